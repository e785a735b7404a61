import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { runProgram } from '../helpers/run-program.js';

function makeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'aco-root-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe('program', () => {
  it('importing program.ts registers no signal or exit listeners', async () => {
    const before = ['SIGINT', 'SIGTERM', 'exit'].map((e) => process.listenerCount(e));
    await import('../../src/program.js');
    expect(['SIGINT', 'SIGTERM', 'exit'].map((e) => process.listenerCount(e))).toEqual(before);
  });

  it('prints the package version', async () => {
    const run = await runProgram(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('maps usage errors to exit 2 with a hint, as JSON with --json', async () => {
    const human = await runProgram(['--frobnicate']);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain("unknown option '--frobnicate'");
    expect(human.stdout).toBe('');
    const json = await runProgram(['nope', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 2, message: expect.stringContaining('nope') } });
  });

  it('a missing subcommand is exit 2 with the help on stderr, also with --json; --help stays 0', async () => {
    for (const args of [[], ['backup'], ['restore'], ['rollback'], ['audit'], ['backup', '--json']]) {
      const run = await runProgram(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/Usage: autocodex-ops/);
      expect(run.stderr).toContain('A subcommand is required');
    }
    expect((await runProgram(['backup', '--help'])).code).toBe(0);
    expect((await runProgram(['help', 'backup'])).code).toBe(0);
  });

  it('every command and subcommand shows the exit-status table in its help', async () => {
    const paths = [[], ['healthcheck'], ['backup'], ['backup', 'falkordb'], ['backup', 'prune'], ['restore', 'userdata'], ['rollback', 'images'], ['lock-deps'], ['audit', 'show'], ['config'], ['support-bundle'], ['schedule', 'install']];
    for (const path of paths) {
      const run = await runProgram([...path, '--help']);
      expect(run.stdout.match(/Exit status:/g), path.join(' ')).toHaveLength(1);
    }
  });

  it('a run whose stdout went away never exits 0, and says why on stderr', async () => {
    const run = await runProgram(['config', '--root', makeRoot({})], { stdout: { write: () => false, broken: true } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stdout was closed before the result was written');
  });

  it('lists the exit-status table in --help', async () => {
    const run = await runProgram(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit status:[\s\S]*\b10\b[\s\S]*\b11\b[\s\S]*130/);
    expect(run.stdout).toContain('config');
  });
});

describe('config command', () => {
  const root = makeRoot({
    'auto-codex/.env': 'GRAPHITI_FALKORDB_PASSWORD=ac-pass-123\nFALKORDB_VOLUME=vol-ac\nOPENAI_API_KEY=sk-live-abcdefghijkl\n',
    '.env': 'FALKORDB_IMAGE_TAG=v4.2.1\nFALKORDB_VOLUME=vol-root\nBACKUP_DIR=/var/backups/ac\nREDIS_ARGS=--appendonly yes --requirepass ac-pass-123\n',
  });

  it('shows values from flag, env, auto-codex/.env and root .env with their origins, secrets masked', async () => {
    const run = await runProgram(['config', '--show-origin', '--root', root, '--output-dir', '/flag/dir'], {
      env: { FALKORDB_CONTAINER_NAME: 'env-falkor' },
    });
    expect(run.code).toBe(0);
    const line = (name: string) => run.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    expect(line('BACKUP_DIR')).toMatch(/\/flag\/dir\s+\[flag --output-dir\]/);
    expect(line('FALKORDB_CONTAINER_NAME')).toMatch(/env-falkor\s+\[env\]/);
    expect(line('FALKORDB_VOLUME')).toMatch(/vol-ac\s+\[file auto-codex\/\.env\]/);
    expect(line('FALKORDB_IMAGE_TAG')).toMatch(/v4\.2\.1\s+\[file \.env\]/);
    expect(line('GRAPHITI_FALKORDB_PORT')).toMatch(/6380\s+\[default\]/);
    expect(line('GRAPHITI_FALKORDB_PASSWORD')).toMatch(/\*\*\*\s+\[file auto-codex\/\.env\]/);
    expect(line('REDIS_ARGS')).toMatch(/--appendonly yes --requirepass \*\*\*/);
    expect(run.stdout).not.toContain('ac-pass-123');
    expect(run.stdout).not.toContain('sk-live');
    expect(run.stderr).toBe('');
  });

  it('emits one JSON document with --json', async () => {
    const run = await runProgram(['config', '--json', '--root', root], { env: { AUTO_CODEX_PRODUCTION: 'yes' } });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.root).toBe(root);
    const row = (name: string) => doc.values.find((r: { name: string }) => r.name === name);
    expect(row('AUTO_CODEX_PRODUCTION')).toMatchObject({ value: 'yes', origin: 'env' });
    expect(row('OPENAI_API_KEY')).toMatchObject({ value: '***', secret: true });
    expect(run.stdout).not.toContain('ac-pass-123');
  });

  it('rejects an invalid configuration with exit 2, listing every problem', async () => {
    const bad = makeRoot({ '.env': 'GRAPHITI_FALKORDB_PORT=http\n' });
    const run = await runProgram(['config', '--root', bad], { env: { FALKORDB_BACKUP_MODE: 'quick' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/GRAPHITI_FALKORDB_PORT: .*from file \.env/);
    expect(run.stderr).toMatch(/FALKORDB_BACKUP_MODE: .*from env/);
  });

  it('rejects a bad flag value before any I/O', async () => {
    const run = await runProgram(['config', '--mode', 'fast']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('fast');
  });
});
