import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHungServer } from '../helpers/hung-server.js';

// Issue 23 §1 on the bundle, with real pipes and real signals: a reader that goes away (EPIPE) or a
// hang-up (SIGHUP) never ends a run mid-operation, never leaves its temporary files or lock, and the
// exit code never claims a result the reader did not get.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'aco-e2e-hup-'));
const BUNDLE = join(scratch, 'dist', 'cli.cjs');

/** A root with a userData folder large enough that a backup takes a while (incompressible bytes). */
function world() {
  const root = mkdtempSync(join(scratch, 'root-'));
  const userdata = join(root, 'Auto Codex');
  mkdirSync(join(userdata, 'Partitions'), { recursive: true });
  writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"standard"}');
  for (let i = 0; i < 4; i++) writeFileSync(join(userdata, 'Partitions', `blob${i}.bin`), randomBytes(4 * 1024 * 1024));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', USERDATA_DIR: userdata, AUTOCODEX_OPS_AUDIT_LOG: join(root, 'audit.jsonl') };
  const backups = () => readdirSync(join(root, 'backups')).sort();
  const locks = () => {
    try {
      return readdirSync(join(root, '.autocodex-ops', 'locks'));
    } catch {
      return [];
    }
  };
  const audit = () => readFileSync(join(root, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { command: string; exitCode: number; outcome: string });
  return { root, env, backups, locks, audit };
}

/** The three files of one complete backup and nothing else (no temporary file left). */
function oneCompleteBackup(names: string[]) {
  expect(names).toHaveLength(3);
  expect(names[0]).toMatch(/^userdata_\d{8}_\d{6}\.tar\.gz$/);
  expect(names.slice(1)).toEqual([`${names[0]}.manifest.json`, `${names[0]}.sha256`]);
}

beforeAll(async () => {
  // Always the current source: a stale dist/ must not make this pass or fail.
  await execa(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--bundle-only', '--out', join(scratch, 'dist')], { cwd: REPO });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a reader that goes away', () => {
  it('`… 2>&1 | head -c1`: the backup completes, cleans up, and the exit code is not 0 (its result was lost)', async () => {
    const w = world();
    const script = `set -o pipefail; "${process.execPath}" "${BUNDLE}" backup userdata --root "${w.root}" 2>&1 | head -c1 >/dev/null`;
    const res = await execa('bash', ['-c', script], { reject: false, env: w.env, extendEnv: false });
    expect(res.exitCode).toBe(1);
    oneCompleteBackup(w.backups());
    expect(w.locks()).toEqual([]);
    expect(w.audit()).toEqual([expect.objectContaining({ command: 'backup userdata', exitCode: 1, outcome: 'failed' })]);
    // The archive is whole: verify it.
    const verify = await execa(process.execPath, [BUNDLE, 'backup', 'verify', join(w.root, 'backups', w.backups()[0]!)], { reject: false, env: w.env, extendEnv: false });
    expect(verify.exitCode, verify.stderr).toBe(0);
  });

  it('stdout closed before anything is written: the run completes, exit 1, no leftovers', async () => {
    const w = world();
    const child = spawn(process.execPath, [BUNDLE, 'backup', 'userdata', '--json', '--root', w.root], { env: w.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('stdout was closed before the result was written');
    oneCompleteBackup(w.backups());
    expect(w.locks()).toEqual([]);
  });

  it('stderr closed (`2> >(head -n1)`): logging stops, the result is on stdout and the exit code is 0', async () => {
    const w = world();
    const child = spawn(process.execPath, [BUNDLE, 'backup', 'userdata', '--json', '--root', w.root], { env: w.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.destroy();
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'userdata', archive: join(w.root, 'backups', w.backups()[0]!) });
    oneCompleteBackup(w.backups());
    expect(w.locks()).toEqual([]);
  });
});

describe('a hang-up', () => {
  it('SIGHUP stops a healthcheck stuck on a hung FalkorDB like Ctrl-C: exit 130, cleaned up', async () => {
    const hung = await startHungServer();
    try {
      const child = execa(process.execPath, [BUNDLE, 'healthcheck', '--only', 'falkordb-live,falkordb-auth', '--timeout', '60000'], {
        reject: false,
        env: { GRAPHITI_ENABLED: 'true', GRAPHITI_FALKORDB_HOST: '127.0.0.1', GRAPHITI_FALKORDB_PORT: String(hung.port), NO_COLOR: '1' },
      });
      // Start-up on a loaded machine can take seconds: wait up to 30 s for it to be stuck on the server.
      for (let i = 0; i < 300 && hung.connections() === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(hung.connections()).toBeGreaterThan(0);
      child.kill('SIGHUP');
      const res = await child;
      expect(res.exitCode).toBe(130);
      expect(res.stderr).toContain('Received SIGHUP');
      expect(res.stdout).toBe('');
    } finally {
      await hung.stop();
    }
  });

  it('SIGHUP during a backup with the terminal gone (stdout and stderr closed): exit 130, no temporary file, no lock', async () => {
    const w = world();
    const child = spawn(process.execPath, [BUNDLE, 'backup', 'userdata', '--root', w.root], { env: w.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Wait until the backup is under way (its temporary file exists), then hang up and close both streams.
    for (let i = 0; i < 200; i++) {
      let names: string[] = [];
      try {
        names = readdirSync(join(w.root, 'backups'));
      } catch {
        /* not yet created */
      }
      if (names.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.stdout.destroy();
    child.stderr.destroy();
    child.kill('SIGHUP');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    // 16 MiB of incompressible data take far longer than the hang-up does to arrive: interrupted, nothing kept.
    expect(code).toBe(130);
    expect(w.backups()).toEqual([]);
    expect(w.locks()).toEqual([]);
    expect(w.audit()).toEqual([expect.objectContaining({ command: 'backup userdata', exitCode: code })]);
  });
});
