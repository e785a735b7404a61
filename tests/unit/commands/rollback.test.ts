import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/core/run/lock.js';
import { userdataLockTarget } from '../../../src/core/run/target-lock.js';
import { runProgram, testLockDir } from '../../helpers/run-program.js';

// The CLI layer of `rollback`: argv to exit code and output, the confirmation rules of CONTRACT
// (TTY asks, non-TTY needs --yes, --dry-run changes nothing) and the usage errors raised before I/O.

const dirs: string[] = [];
function tree(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aco-rbcmd-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) mkdirSync(join(dir, rel), { recursive: true });
    else {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A root (checkout) and a userData folder with an override and the updater's backup. */
function setup() {
  const root = tree({ 'auto-codex': null, '.env': 'FALKORDB_IMAGE_TAG=v4.2.1\nGRAPHITI_MCP_IMAGE_TAG=0.4.0\n' });
  const ud = tree({
    'auto-codex-source/.update-metadata.json': '{"version":"1.5.0","updatedAt":"2025-05-20T10:00:00Z"}',
    'auto-codex-source/.env': 'OPENAI_API_KEY=sk-x\n',
    'auto-codex-updates/backup/.update-metadata.json': '{"version":"1.4.0","updatedAt":"2025-04-01T10:00:00Z"}',
  });
  const listing = () => ({ root: readdirSync(root).sort(), ud: readdirSync(ud).sort(), source: readdirSync(join(ud, 'auto-codex-source')).sort() });
  return { root, ud, listing };
}

describe('rollback source (CLI)', () => {
  it('refuses without --yes when stdin is not a terminal: exit 2, nothing touched (no lock file either)', async () => {
    const { root, ud, listing } = setup();
    const before = listing();
    const run = await runProgram(['rollback', 'source', '--to', 'bundled', '--root', root, '--userdata-dir', ud]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Refusing to roll back without confirmation');
    expect(run.stderr).toContain('--dry-run');
    expect(run.stdout).toBe('');
    expect(listing()).toEqual(before);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const { root, ud, listing } = setup();
    const before = listing();
    const run = await runProgram(['rollback', 'source', '--to', 'previous', '--dry-run', '--root', root, '--userdata-dir', ud]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("the updater's backup (1.4.0, updated 2025-04-01T10:00:00Z)");
    expect(run.stdout).toMatch(/1\. Copy the updater's backup[\s\S]*4\. Move the staging folder/);
    expect(run.stdout).toContain('Dry run: nothing was changed.');
    expect(listing()).toEqual(before);
  });

  it('--yes rolls back; --json prints the result document; USERDATA_DIR is honoured', async () => {
    const { root, ud } = setup();
    const run = await runProgram(['--json', 'rollback', 'source', '--to', 'bundled', '--yes', '--root', root], { env: { USERDATA_DIR: ud } });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ kind: 'source', to: 'bundled', dryRun: false, userdataDir: ud, safetyCopy: expect.stringContaining(join(ud, 'auto-codex-rollbacks', 'auto-codex-source_')) });
    expect(existsSync(join(ud, 'auto-codex-source'))).toBe(false);
    expect(lstatSync(result.safetyCopy).isDirectory()).toBe(true);
  });

  it('exit 2 for a missing or unknown --to, and when there is nothing to roll back to', async () => {
    const { root, ud } = setup();
    expect((await runProgram(['rollback', 'source', '--yes', '--root', root, '--userdata-dir', ud])).code).toBe(2);
    expect((await runProgram(['rollback', 'source', '--to', 'sideways', '--yes', '--root', root, '--userdata-dir', ud])).code).toBe(2);
    const bare = tree({ 'store/projects.json': '{}' });
    const nothing = await runProgram(['rollback', 'source', '--to', 'previous', '--yes', '--root', root, '--userdata-dir', bare]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Nothing to roll back to');
  });

  it('exit 11 while another run holds the userData lock (as backup userdata does), nothing touched', async () => {
    const { root, ud, listing } = setup();
    const before = listing();
    const held = await acquireLock({ dir: testLockDir(), target: userdataLockTarget(ud), command: 'backup userdata' });
    try {
      const run = await runProgram(['rollback', 'source', '--to', 'bundled', '--yes', '--root', root, '--userdata-dir', ud]);
      expect(run.code).toBe(11);
      expect(run.stderr).toContain('backup userdata');
      expect(listing().ud).toEqual(before.ud);
    } finally {
      await held.release();
    }
  });

  it('exit 10 when the userData folder does not exist', async () => {
    const { root } = setup();
    const run = await runProgram(['rollback', 'source', '--to', 'bundled', '--yes', '--root', root, '--userdata-dir', join(root, 'no-such-userdata')]);
    expect(run.code).toBe(10);
  });

  it('on a TTY it shows the plan on stderr and asks; yes goes ahead', async () => {
    const { root, ud } = setup();
    const run = await runProgram(['rollback', 'source', '--to', 'previous', '--root', root, '--userdata-dir', ud], { answers: ['y'] });
    expect(run.code).toBe(0);
    expect(run.asked).toEqual(['Go ahead? [y/N] ']);
    expect(run.stderr).toContain('Roll back the Auto-Codex source');
    expect(run.stdout).toContain('Safety copy of the replaced override:');
  });

  it('on a TTY, no leaves everything as it was (exit 1)', async () => {
    const { root, ud, listing } = setup();
    const before = listing();
    const run = await runProgram(['rollback', 'source', '--to', 'bundled', '--root', root, '--userdata-dir', ud], { answers: ['no'] });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: Aborted; nothing changed.');
    const after = listing();
    // Only the lock folder under the root's state dir may have appeared.
    expect({ ...after, root: after.root.filter((n) => n !== '.autocodex-ops') }).toEqual(before);
  });
});

describe('rollback images (CLI)', () => {
  it.each([
    [['--falkordb-tag', 'latest'], "'latest' is not a pinned tag"],
    [['--graphiti-tag', 'bad tag'], 'is not a valid image tag'],
    [['--list', '--falkordb-tag', 'v1'], '--list only shows the history'],
    [['--health-timeout', '0'], 'health-timeout'],
  ])('rejects %j with exit 2 before any I/O', async (args, message) => {
    const { root } = setup();
    const run = await runProgram(['rollback', 'images', ...args, '--root', root], { env: { DOCKER_HOST: 'tcp://192.0.2.1:1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('refuses without --yes when stdin is not a terminal (exit 2), before contacting Docker', async () => {
    const { root } = setup();
    const run = await runProgram(['rollback', 'images', '--falkordb-tag', 'v4.1.0', '--root', root], { env: { DOCKER_HOST: 'tcp://192.0.2.1:1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Refusing to roll back without confirmation');
  });

  it('--list prints the recorded pairs, the configured one marked, without Docker', async () => {
    const { root } = setup();
    mkdirSync(join(root, '.autocodex-ops'));
    const entries = [
      { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9', recordedAt: '2025-04-01T00:00:00.000Z', source: 'healthcheck' },
      { falkordbTag: 'v4.2.1', graphitiTag: '0.4.0', falkordbImageId: 'sha256:0123456789abcdef', recordedAt: '2025-05-01T00:00:00.000Z', source: 'rollback' },
    ];
    writeFileSync(join(root, '.autocodex-ops', 'image-history.json'), JSON.stringify({ version: 1, entries }));
    const human = await runProgram(['rollback', 'images', '--list', '--root', root], { env: { DOCKER_HOST: 'tcp://192.0.2.1:1' } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\* 2025-05-01T00:00:00.000Z\s+v4\.2\.1\s+0\.4\.0\s+rollback\s+0123456789ab/);
    expect(human.stdout).toMatch(/\n {2}2025-04-01T00:00:00.000Z\s+v4\.1\.0/);
    const json = JSON.parse((await runProgram(['--json', 'rollback', 'images', '--list', '--root', root])).stdout);
    expect(json.entries.map((e: { current: boolean }) => e.current)).toEqual([false, true]);
  });

  it('exit 10 when the Docker engine is unreachable', async () => {
    const { root } = setup();
    const run = await runProgram(['rollback', 'images', '--falkordb-tag', 'v4.1.0', '--yes', '--root', root], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(run.code).toBe(10);
  });
});

describe('rollback --help', () => {
  it('lists both subcommands and each documents its flags, examples and exit status', async () => {
    const top = await runProgram(['rollback', '--help']);
    expect(top.stdout).toMatch(/source[\s\S]*images/);
    const source = await runProgram(['rollback', 'source', '--help']);
    expect(source.stdout).toMatch(/--to <target>[\s\S]*--userdata-dir[\s\S]*--force[\s\S]*--yes[\s\S]*--dry-run/);
    expect(source.stdout).toContain('rollback source --to previous --yes');
    expect(source.stdout).toContain('Exit status:');
    const images = await runProgram(['rollback', 'images', '--help']);
    expect(images.stdout).toMatch(/--falkordb-tag[\s\S]*--graphiti-tag[\s\S]*--list[\s\S]*--no-pull[\s\S]*--no-backup[\s\S]*--dry-run/);
    expect(images.stdout).toContain('Exit status:');
  });
});
