import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/core/run/lock.js';
import { userdataLockTarget } from '../../../src/core/run/target-lock.js';
import { makeArchive } from '../../helpers/archives.js';
import { runProgram, testLockDir } from '../../helpers/run-program.js';

function setup(): { root: string; userdata: string; backups: string } {
  const root = mkdtempSync(join(tmpdir(), 'aco-cli-'));
  const userdata = join(root, 'home', '.config', 'Auto Codex');
  mkdirSync(join(userdata, 'Local Storage'), { recursive: true });
  writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"conservative"}');
  writeFileSync(join(userdata, 'Local Storage', 'leveldb.log'), 'x'.repeat(100_000));
  writeFileSync(join(userdata, '.hidden-token'), 'secret-ish');
  return { root, userdata, backups: join(root, 'backups') };
}
const DAY = 86_400_000;

describe('backup userdata', () => {
  it('prints only the CONTRACT JSON on stdout and writes archive, sidecar and manifest', async () => {
    const { root, userdata, backups } = setup();
    symlinkSync('otherbox-1', join(userdata, 'SingletonCookie'));
    const run = await runProgram(['backup', 'userdata', '--json', '--root', root, '--userdata-dir', userdata]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ kind: 'userdata', archive: expect.stringMatching(/userdata_\d{8}_\d{6}\.tar\.gz$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number), durationMs: expect.any(Number), pruned: [] });
    expect(result).not.toHaveProperty('mode');
    expect(readdirSync(backups).sort()).toEqual([`${result.archive.split('/').pop()}`, `${result.archive.split('/').pop()}.manifest.json`, `${result.archive.split('/').pop()}.sha256`]);
    expect(statSync(result.archive).size).toBe(result.bytes);
    const listing = (await execa('tar', ['-tzf', result.archive])).stdout.split('\n');
    expect(listing).toEqual(expect.arrayContaining(['./settings.json', './.hidden-token', './Local Storage/leveldb.log']));
    expect(listing).not.toContain('./SingletonCookie');
    const manifest = JSON.parse(readFileSync(`${result.archive}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 1, kind: 'userdata', source: { dir: userdata }, archive: { sha256: result.sha256, compressedBytes: result.bytes } });
    expect(run.stderr).toContain('"msg":"userData:');
  });

  it('exit 10 with a hint when the folder is missing; nothing is written', async () => {
    const { root, backups } = setup();
    const run = await runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', join(root, 'nope')]);
    expect(run.code).toBe(10);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/userData folder not found: .*nope\nHint: Set --userdata-dir or USERDATA_DIR/);
    expect(() => readdirSync(backups)).toThrow();
  });

  it('refuses while the app runs (exit 1), and goes ahead with --force and a warning', async () => {
    const { root, userdata, backups } = setup();
    symlinkSync(`${hostname()}-${process.pid}`, join(userdata, 'SingletonLock'));
    const refused = await runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', userdata]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Auto Codex seems to be running .*\nHint: Quit the app .*--force/);
    expect(() => readdirSync(backups)).toThrow();
    const forced = await runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', userdata, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).warnings).toEqual([expect.stringMatching(/--force although the app seems to be running/)]);
  });

  it('exit 11 while another run holds the userdata lock', async () => {
    const { root, userdata } = setup();
    const lock = await acquireLock({ dir: testLockDir(), target: userdataLockTarget(userdata), command: 'backup userdata', pid: process.pid });
    try {
      const run = await runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', userdata, '--json']);
      expect(run.code).toBe(11);
      expect(run.stdout).toBe('');
      expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!)).toMatchObject({ error: { code: 11 } });
    } finally {
      await lock.release();
    }
  });

  it('applies retention after the backup: old ones go with their sidecars, the human summary is one line', async () => {
    const { root, userdata, backups } = setup();
    const old = await makeArchive(join(backups, 'userdata_20200101_000000.tar.gz'), { a: 'b' }, { mtime: new Date(Date.now() - 30 * DAY) });
    const run = await runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', userdata], { env: { BACKUP_RETENTION_DAYS: '7' } });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/^Backed up userdata to .*userdata_\d{8}_\d{6}\.tar\.gz: .* verified\) in .*; retention removed 2 file\(s\)\.$/m);
    expect(readdirSync(backups).filter((n) => n.startsWith('userdata_2020'))).toEqual([]);
    expect(readdirSync(backups)).not.toContain(old.split('/').pop());
  });

  it('quiet prints nothing on success; bad option values exit 2', async () => {
    const { root, userdata } = setup();
    const quiet = await runProgram(['backup', 'userdata', '-q', '--root', root, '--userdata-dir', userdata]);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await runProgram(['backup', 'userdata', '--root', root, '--keep-min', '0'])).code).toBe(2);
    expect((await runProgram(['backup', 'falkordb', '--root', root, '--mode', 'fast'])).code).toBe(2);
  });
});

describe('backup list / verify / prune', () => {
  async function folder() {
    const { root, backups } = setup();
    const now = Date.now();
    const mk = (name: string, ageDays: number, files: Record<string, string | Buffer> = { 'dump.rdb': 'REDIS0011' }) => makeArchive(join(backups, name), files, { mtime: new Date(now - ageDays * DAY) });
    const newest = await mk('falkordb_data_20260110_000000.tar.gz', 1);
    const older = await mk('falkordb_data_20260101_000000.tar.gz', 10);
    const oldest = await mk('falkordb_data_20251201_000000.tar.gz', 40);
    const user = await mk('userdata_20251201_000000.tar.gz', 40, { 'settings.json': '{}' });
    return { root, backups, newest, older, oldest, user };
  }

  it('list --json shows every backup newest first; --kind filters', async () => {
    const f = await folder();
    const run = await runProgram(['backup', 'list', '--json', '--root', f.root]);
    expect(run.code).toBe(0);
    const { backups } = JSON.parse(run.stdout);
    expect(backups.map((b: { archive: string }) => b.archive)).toEqual([f.newest, f.older, f.oldest, f.user]);
    expect(backups[0]).toMatchObject({ kind: 'falkordb', createdAt: expect.any(String), bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const checked = JSON.parse((await runProgram(['backup', 'list', '--json', '--check', '--kind', 'userdata', '--root', f.root])).stdout);
    expect(checked.backups).toEqual([expect.objectContaining({ archive: f.user, verified: true })]);
  });

  it('verify: exit 0 for a sound archive, 2 with problems listed; --latest picks the newest', async () => {
    const f = await folder();
    const ok = await runProgram(['backup', 'verify', f.older, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ archive: f.older, ok: true, problems: [] });
    const bytes = readFileSync(f.newest);
    bytes[bytes.length - 20]! ^= 0xff;
    writeFileSync(f.newest, bytes);
    const bad = await runProgram(['backup', 'verify', '--latest', '--json', '--root', f.root]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ archive: f.newest, ok: false, problems: expect.arrayContaining([expect.stringMatching(/checksum mismatch|does not read/)]) });
    expect(bad.stderr).toBe('');
    expect((await runProgram(['backup', 'verify'])).code).toBe(2);
  });

  it('prune --dry-run lists each decision with its reason and changes nothing', async () => {
    const f = await folder();
    const before = readdirSync(f.backups).sort();
    const run = await runProgram(['backup', 'prune', '--dry-run', '--retention-days', '7', '--root', f.root]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/keep {3}falkordb_data_20260110_000000\.tar\.gz \(newest backup \(always kept\)\)/);
    expect(run.stdout).toMatch(/remove falkordb_data_20260101_000000\.tar\.gz \(10\.0 days old: older than 7 days\)/);
    expect(run.stdout).toMatch(/keep {3}userdata_20251201_000000\.tar\.gz \(newest backup/);
    expect(run.stdout).toMatch(/Dry run: 2 backup\(s\) would be removed/);
    expect(readdirSync(f.backups).sort()).toEqual(before);
  });

  it('prune refuses without --yes off a TTY before any I/O (exit 2, nothing touched, no lock), removes with --yes', async () => {
    const f = await folder();
    const before = readdirSync(f.backups).sort();
    const lockDir = join(f.root, 'locks');
    const refused = await runProgram(['backup', 'prune', '--keep-last', '1', '--root', f.root], { env: { AUTOCODEX_OPS_LOCK_DIR: lockDir } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Refusing to remove backups without confirmation: stdin is not a terminal and --yes was not given; nothing was changed.');
    expect(readdirSync(f.backups).sort()).toEqual(before);
    expect(existsSync(lockDir)).toBe(false);
    const done = await runProgram(['backup', 'prune', '--keep-last', '1', '--kind', 'falkordb', '--yes', '--json', '--root', f.root]);
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout);
    expect(report.removed.sort()).toEqual([f.older, `${f.older}.sha256`, f.oldest, `${f.oldest}.sha256`].sort());
    expect(readdirSync(f.backups).sort()).toEqual([f.newest, `${f.newest}.sha256`, f.user, `${f.user}.sha256`].map((p) => p.split('/').pop()).sort());
  });

  it('prune asks on a TTY: "no" is exit 1 "Aborted; nothing changed." with everything kept, "yes" removes', async () => {
    const f = await folder();
    const args = ['backup', 'prune', '--keep-last', '1', '--kind', 'falkordb', '--root', f.root];
    const no = await runProgram(args, { answers: ['n'] });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('Error: Aborted; nothing changed.');
    expect(no.stderr).toMatch(/remove +falkordb_data_/);
    expect(no.asked).toEqual(['Go ahead? [y/N] ']);
    expect(readdirSync(f.backups)).toHaveLength(8);
    const yes = await runProgram(args, { answers: ['yes'] });
    expect(yes.code).toBe(0);
    expect(readdirSync(f.backups)).toHaveLength(4);
  });
});

describe('results are never rewritten by secret scrubbing', () => {
  it('a password that is also a folder name keeps the --json and human paths intact', async () => {
    const { root, userdata } = setup();
    const backups = join(root, 'backups7');
    const env = { GRAPHITI_FALKORDB_PASSWORD: 'backups7' };
    const json = await runProgram(['backup', 'userdata', '--json', '--root', root, '--userdata-dir', userdata, '--output-dir', backups], { env });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).archive).toMatch(new RegExp(`^${backups}/userdata_\\d{8}_\\d{6}\\.tar\\.gz$`));
    const human = await runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', userdata, '--output-dir', backups], { env });
    expect(human.stdout).toContain(`${backups}/`);
    expect(human.stdout).not.toContain('***');
  });
});
