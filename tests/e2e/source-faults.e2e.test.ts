import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 23 §4-§6 on the bundle, with real files: retention and freshness that do not trust a
// future-dated backup, empty/foreign/unreadable userData folders, and what the audit trail records.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'aco-e2e-src-'));
const BUNDLE = join(scratch, 'dist', 'cli.cjs');

interface AuditLine {
  command: string;
  exitCode: number;
  outcome: string;
  error?: string;
  details: Record<string, unknown>;
}

/** A root with a small userData folder holding the app's files, its own audit trail and lock folder. */
function world(opts: { appFiles?: boolean } = {}) {
  const root = mkdtempSync(join(scratch, 'root-'));
  const userdata = join(root, 'Auto Codex');
  mkdirSync(join(userdata, 'store'), { recursive: true });
  if (opts.appFiles !== false) writeFileSync(join(userdata, 'settings.json'), '{}');
  writeFileSync(join(userdata, 'store', 'history.json'), '[1,2,3]');
  const backupDir = join(root, 'backups');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NO_COLOR: '1',
    USERDATA_DIR: userdata,
    AUTOCODEX_OPS_AUDIT_LOG: join(root, 'audit.jsonl'),
    AUTOCODEX_OPS_LOCK_DIR: join(root, 'locks'),
  };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    execa(process.execPath, [BUNDLE, ...args, '--root', root], { reject: false, env: { ...env, ...extra }, extendEnv: false });
  const backups = () => readdirSync(backupDir).sort();
  const audit = (): AuditLine[] => readFileSync(join(root, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditLine);
  return { root, userdata, backupDir, env, run, backups, audit };
}

/** plantBackup copies a real archive under another stamp with its manifest's createdAt set to `at`. */
function plantBackup(archive: string, dir: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const target = join(dir, `userdata_${stamp}.tar.gz`);
  copyFileSync(archive, target);
  copyFileSync(`${archive}.sha256`, `${target}.sha256`);
  const manifest = JSON.parse(readFileSync(`${archive}.manifest.json`, 'utf8')) as Record<string, unknown>;
  writeFileSync(`${target}.manifest.json`, JSON.stringify({ ...manifest, createdAt: at.toISOString() }, null, 2));
  return target;
}

const DAY = 86_400_000;

beforeAll(async () => {
  // Always the current source: a stale dist/ must not make this pass or fail.
  await execa(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--bundle-only', '--out', join(scratch, 'dist')], { cwd: REPO });
  // The runs as `nobody` must reach the bundle.
  chmodSync(scratch, 0o755);
  chmodSync(join(scratch, 'dist'), 0o755);
  chmodSync(BUNDLE, 0o644);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('retention and freshness against a future-dated backup (§4)', () => {
  it('`backup userdata --keep-last 1` keeps the archive it has just written, and the future-dated one, and removes the old one', async () => {
    const w = world();
    const first = await w.run(['backup', 'userdata', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const seed = (JSON.parse(first.stdout) as { archive: string }).archive;
    const old = plantBackup(seed, w.backupDir, new Date(Date.now() - 3 * DAY));
    const future = plantBackup(seed, w.backupDir, new Date(Date.now() + 400 * DAY));
    const res = await w.run(['backup', 'userdata', '--keep-last', '1', '--json', '-q']);
    expect(res.exitCode, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as { archive: string; pruned: string[] };
    expect(result.pruned).not.toContain(result.archive);
    expect(result.pruned).toEqual(expect.arrayContaining([seed, old]));
    const left = w.backups();
    expect(left).toContain(result.archive.split('/').at(-1));
    expect(left).toContain(future.split('/').at(-1));
    expect(left).not.toContain(old.split('/').at(-1));
    // The audit record lists every pruned file with its reason (§6).
    const rec = w.audit().at(-1)!;
    expect(rec.details).toMatchObject({ archive: result.archive, pruned: expect.arrayContaining([expect.objectContaining({ path: old, reason: expect.stringContaining('not among the newest 1') })]) });
    expect(rec.details.futureDated).toEqual([future]);
  });

  it('a backup dated in the future never counts as fresh: healthcheck warns or fails, `backup list` warns', async () => {
    const w = world();
    const first = await w.run(['backup', 'userdata', '--json']);
    const seed = (JSON.parse(first.stdout) as { archive: string }).archive;
    const future = plantBackup(seed, w.backupDir, new Date(Date.now() + 30 * DAY));
    // `--latest` means the newest dated up to now: verify and drill check the real backup and say what they passed over.
    const verify = await w.run(['backup', 'verify', '--latest', '--kind', 'userdata', '--json']);
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect((JSON.parse(verify.stdout) as { archive: string }).archive).toBe(seed);
    expect(verify.stderr).toContain(`--latest passed over ${future} is dated`);
    const drill = await w.run(['drill', 'userdata', '--latest', '--json']);
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    expect(drill.stdout).toContain(seed);
    // A fresh real backup and a future one: a warning naming the future one.
    let hc = await w.run(['healthcheck', '--only', 'userdata-backup-freshness', '--json']);
    let check = (JSON.parse(hc.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks[0]!;
    expect(check.status).toBe('warn');
    expect(check.message).toContain(future);
    expect(check.message).toContain('in the future');
    // Only the future one (the real one was old and is gone): never ok; a failure when backups are enforced.
    for (const f of [seed, `${seed}.sha256`, `${seed}.manifest.json`]) rmSync(f);
    hc = await w.run(['healthcheck', '--only', 'userdata-backup-freshness', '--json'], { AUTO_CODEX_ENFORCE_BACKUPS: 'true' });
    check = (JSON.parse(hc.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks[0]!;
    expect(hc.exitCode).toBe(1);
    expect(check.status).toBe('fail');
    expect(check.message).toContain('in the future');
    // The FalkorDB check shares the rule: a file dated in the future by its mtime (no manifest), a foreign file.
    const foreign = join(w.backupDir, 'falkordb_data_20991231_000000.tar.gz');
    copyFileSync(seed.replace(/userdata_.*/, future.split('/').at(-1)!), foreign);
    utimesSync(foreign, new Date(Date.now() + 60 * DAY), new Date(Date.now() + 60 * DAY));
    hc = await w.run(['healthcheck', '--only', 'backup-freshness', '--json'], { GRAPHITI_ENABLED: 'true' });
    check = (JSON.parse(hc.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks[0]!;
    expect(check.status).not.toBe('ok');
    expect(check.message).toContain(foreign);

    // The metrics file's newest-backup series ignore it too (a real backup's timestamp, never the future one's).
    const metrics = join(w.root, 'metrics.prom');
    const again = await w.run(['backup', 'userdata', '-q'], { AUTOCODEX_OPS_METRICS_FILE: metrics });
    expect(again.exitCode, again.stderr).toBe(0);
    const newest = /autocodex_ops_backup_newest_timestamp_seconds\{kind="userdata"\} (\d+)/.exec(readFileSync(metrics, 'utf8'));
    expect(Number(newest![1])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));

    const list = await w.run(['backup', 'list', '--json']);
    expect(list.exitCode).toBe(0);
    const rows = (JSON.parse(list.stdout) as { backups: Array<{ archive: string; futureDated?: boolean }> }).backups;
    expect(rows.find((r) => r.archive === future)?.futureDated).toBe(true);
    expect(list.stderr).toContain(`${future} is dated`);
    expect(list.stderr).toContain('in the future');
  });
});

describe('what the audit trail records (§6)', () => {
  it('`backup prune` records each removed file with its reason; a backup records archive, sha256, bytes', async () => {
    const w = world();
    const first = await w.run(['backup', 'userdata', '--json']);
    const seed = (JSON.parse(first.stdout) as { archive: string }).archive;
    const old = plantBackup(seed, w.backupDir, new Date(Date.now() - 10 * DAY));
    const prune = await w.run(['backup', 'prune', '--kind', 'userdata', '--retention-days', '7', '--yes']);
    expect(prune.exitCode, prune.stderr).toBe(0);
    const [backup, pruned] = w.audit();
    expect(backup!.details).toMatchObject({ kind: 'userdata', archive: seed, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number), pruned: [] });
    expect(pruned!.command).toBe('backup prune');
    expect(pruned!.details).toMatchObject({ dryRun: false, kept: 1 });
    expect(pruned!.details.pruned).toEqual(
      [old, `${old}.sha256`, `${old}.manifest.json`].map((path) => ({ path, reason: expect.stringMatching(/old: older than 7 days/) })),
    );
  });

  it('a password that is also a folder name is not scrubbed out of the recorded paths (details are results)', async () => {
    const w = world();
    const dir = join(w.root, 'nightly');
    const res = await w.run(['backup', 'userdata', '--output-dir', dir, '--json'], { GRAPHITI_FALKORDB_PASSWORD: 'nightly' });
    expect(res.exitCode, res.stderr).toBe(0);
    const archive = (JSON.parse(res.stdout) as { archive: string }).archive;
    expect(archive.startsWith(`${dir}/`)).toBe(true);
    expect(w.audit()[0]!.details.archive).toBe(archive);
  });
});

const NOBODY = 65534;

/** chownTree hands a world to `nobody` (the run as nobody writes its archive, audit trail and locks there); chown(1) also takes names Node cannot spell. */
async function chownTree(path: string): Promise<void> {
  await execa('chown', ['-R', `${NOBODY}:${NOBODY}`, path]);
}

/** asNobody runs the bundle as uid/gid 65534 with no other groups: a real second user, not root. */
function asNobody(w: ReturnType<typeof world>, args: string[]) {
  return execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BUNDLE, ...args, '--root', w.root], { reject: false, env: w.env, extendEnv: false, cwd: '/' });
}

/** Nothing of the failed run is left: no archive or temporary file, no lock. */
function nothingLeft(w: ReturnType<typeof world>): void {
  expect(existsSync(w.backupDir) ? readdirSync(w.backupDir) : []).toEqual([]);
  expect(existsSync(join(w.root, 'locks')) ? readdirSync(join(w.root, 'locks')) : []).toEqual([]);
}

const errorOf = (stderr: string) => (JSON.parse(stderr.trim().split('\n').at(-1)!) as { error: { code: number; message: string; hint?: string } }).error;

describe('empty, foreign and unreadable userData folders (§5)', () => {
  it('an empty folder (only the runtime lock file) is exit 10 naming it, even with --force; nothing written, audited', async () => {
    const w = world();
    rmSync(w.userdata, { recursive: true });
    mkdirSync(w.userdata);
    writeFileSync(join(w.userdata, 'SingletonLock'), '');
    for (const extra of [[], ['--force']]) {
      const res = await w.run(['backup', 'userdata', '--json', ...extra]);
      expect(res.exitCode).toBe(10);
      expect(res.stdout).toBe('');
      expect(errorOf(res.stderr)).toMatchObject({ code: 10, message: expect.stringContaining(`${w.userdata} is empty`) });
    }
    nothingLeft(w);
    expect(w.audit()).toEqual([expect.objectContaining({ exitCode: 10, outcome: 'failed', error: expect.stringContaining(w.userdata) }), expect.objectContaining({ exitCode: 10 })]);
  });

  it("a folder with none of the app's files is exit 10 unless --force, which backs it up with a warning in the result and the manifest", async () => {
    const w = world({ appFiles: false });
    rmSync(join(w.userdata, 'store'), { recursive: true });
    writeFileSync(join(w.userdata, 'notes.txt'), 'not the app');
    const refused = await w.run(['backup', 'userdata', '--json']);
    expect(refused.exitCode).toBe(10);
    expect(errorOf(refused.stderr)).toMatchObject({ message: expect.stringContaining("holds none of the app's files (settings.json, store/, config/)"), hint: expect.stringContaining('--force') });
    nothingLeft(w);
    const forced = await w.run(['backup', 'userdata', '--json', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    const result = JSON.parse(forced.stdout) as { archive: string; warnings: string[] };
    expect(result.warnings).toEqual([expect.stringContaining("none of the app's files")]);
    const manifest = JSON.parse(readFileSync(`${result.archive}.manifest.json`, 'utf8')) as { warnings?: string[] };
    expect(manifest.warnings).toEqual(result.warnings);
  });

  it('an unreadable subfolder (root-owned, mode 000) read by a real second user: exit 1 naming it, no stack trace, no leftovers, audited', async () => {
    const w = world();
    mkdirSync(join(w.userdata, 'store', 'sudo-left'));
    writeFileSync(join(w.userdata, 'store', 'sudo-left', 'x.json'), '{}');
    await chownTree(w.root);
    chmodSync(w.root, 0o755);
    // What a `sudo` run of the app leaves: root's, unreadable to the folder's owner.
    chownSync(join(w.userdata, 'store', 'sudo-left'), 0, 0);
    chmodSync(join(w.userdata, 'store', 'sudo-left'), 0o000);
    const res = await asNobody(w, ['backup', 'userdata', '--json']);
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).not.toMatch(/\n\s+at /);
    const sub = join(w.userdata, 'store', 'sudo-left');
    expect(errorOf(res.stderr)).toMatchObject({ code: 1, message: expect.stringContaining(`Cannot read ${sub} (permission denied)`) });
    nothingLeft(w);
    expect(w.audit()).toEqual([expect.objectContaining({ command: 'backup userdata', exitCode: 1, outcome: 'failed', error: expect.stringContaining(sub) })]);

    // Root backing up nobody's folder reads it as nobody (GNU tar): the same entry fails the same way, never skipped silently.
    // (Archive and audit trail in folders of root's: root refuses to write into nobody's, see root-output-dir.int.test.ts.)
    const rootOut = mkdtempSync(join(scratch, 'root-out-'));
    const asRoot = await w.run(['backup', 'userdata', '--json', '--output-dir', rootOut], { AUTOCODEX_OPS_AUDIT_LOG: join(mkdtempSync(join(scratch, 'root-audit-')), 'audit.jsonl') });
    expect(asRoot.exitCode, asRoot.stderr).toBe(1);
    expect(errorOf(asRoot.stderr).message).toContain(`Cannot read ${sub} as uid ${NOBODY} (permission denied)`);
    nothingLeft(w);
    expect(readdirSync(rootOut)).toEqual([]);
  });

  it('a name that is not UTF-8, read in-process: exit 1 naming it, no leftovers', async () => {
    const w = world();
    // A Buffer path carries the raw bytes: Node cannot spell this name as a string.
    writeFileSync(Buffer.concat([Buffer.from(`${join(w.userdata, 'store')}/bad`), Buffer.from([0xff, 0xfe]), Buffer.from('name')]), 'x');
    await chownTree(w.root);
    chmodSync(w.root, 0o755);
    const res = await asNobody(w, ['backup', 'userdata', '--json']);
    expect(res.exitCode, res.stderr).toBe(1);
    expect(errorOf(res.stderr).message).toMatch(/store\/bad.*name: its name is not valid UTF-8/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    nothingLeft(w);
  });
});

describe('a name that is not UTF-8 on the real file system, backed up by root (§5)', () => {
  it("root reads the user's folder with GNU tar as its owner: the name is stored byte for byte, the archive verifies and restores it", async () => {
    const w = world();
    const raw = Buffer.concat([Buffer.from('bad'), Buffer.from([0xff, 0xfe]), Buffer.from('name')]);
    writeFileSync(Buffer.concat([Buffer.from(`${join(w.userdata, 'store')}/`), raw]), 'x');
    // Only the userData folder is the user's: root writes its archive and audit record in its own folders.
    await chownTree(w.userdata);
    // First the folder is out of its owner's reach (its parent is root's, mode 0700): exit 1 naming it once.
    const unreachable = await w.run(['backup', 'userdata', '--json']);
    expect(unreachable.exitCode, unreachable.stderr).toBe(1);
    expect(errorOf(unreachable.stderr).message).toMatch(new RegExp(`^Cannot read ${w.userdata.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as uid ${NOBODY} \\(permission denied\\)`));
    chmodSync(w.root, 0o755);
    const res = await w.run(['backup', 'userdata', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const { archive } = JSON.parse(res.stdout) as { archive: string };
    const listing = Buffer.from((await execa('tar', ['--quoting-style=literal', '-tzf', archive], { encoding: 'buffer' })).stdout);
    expect(listing.includes(Buffer.concat([Buffer.from('store/'), raw]))).toBe(true);
    const verify = await w.run(['backup', 'verify', archive, '--json']);
    expect(verify.exitCode, verify.stderr + verify.stdout).toBe(0);
    // Restored by plain tar, the bytes come back under the same name.
    const into = mkdtempSync(join(scratch, 'untar-'));
    await execa('tar', ['-xzf', archive, '-C', into]);
    expect(readFileSync(Buffer.concat([Buffer.from(`${into}/store/`), raw]), 'utf8')).toBe('x');
  });
});

describe('a folder that changes while `backup userdata` reads it (§5), with a real racing process', () => {
  // A child process churns the folder the whole time: deletes files and writes them again, and
  // truncates others, so the bundle's reader meets files that vanish or shrink between its listing,
  // its lstat and its read. Each attempt gets a fresh BACKUP_DIR; the race is tried until it hits.
  // One churn per way a file changes under the reader: deleted and written again (vanishes between
  // the listing and the open), or cut to 0 bytes and written again (shrinks between lstat and read).
  const CHURN = {
    vanishes: 'try { fs.unlinkSync(f); } catch {} fs.writeFileSync(f, body);',
    shrinks: 'fs.truncateSync(f, 0); fs.writeFileSync(f, body);',
  };
  const WORDS = { vanishes: 'vanished while it was read', shrinks: 'shrank while it was read' };
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  for (const how of ['vanishes', 'shrinks'] as const) {
    it(`a file that ${how} mid-read: exit 1 naming it, no stack trace, no temporary file or lock, an audit record; a run the race missed is a whole, verified archive`, async () => {
      const w = world();
      const churn = join(w.userdata, 'store', 'churn');
      mkdirSync(churn);
      for (let i = 0; i < 60; i += 1) writeFileSync(join(churn, `f${i}`), Buffer.alloc(512 * 1024, 120));
      const script = `const fs = require('node:fs'), path = require('node:path'); const body = Buffer.alloc(512 * 1024, 120);
        for (;;) for (let i = 0; i < 60; i += 1) { const f = path.join(process.argv[1], 'f' + i); ${CHURN[how]} }`;
      const child = execa(process.execPath, ['-e', script, churn], { reject: false });
      try {
        let failed: { stderr: string; backupDir: string } | undefined;
        for (let attempt = 0; attempt < 30 && !failed; attempt += 1) {
          const backupDir = join(w.root, `backups-${attempt}`);
          // --force: the churning process holds files open, so the tool sees "the app is running".
          const res = await w.run(['backup', 'userdata', '--json', '--force'], { BACKUP_DIR: backupDir });
          expect(res.stderr).not.toMatch(/\n\s+at /);
          if (res.exitCode === 0) {
            // The race missed: the archive is whole and verifies.
            const verify = await w.run(['backup', 'verify', '--latest', '--kind', 'userdata', '--json'], { BACKUP_DIR: backupDir });
            expect(verify.exitCode, verify.stderr).toBe(0);
            continue;
          }
          failed = { stderr: res.stderr, backupDir };
          expect(res.exitCode, res.stderr).toBe(1);
          expect(res.stdout).toBe('');
        }
        expect(failed, 'the racing process never hit the reader in 30 attempts').toBeDefined();
        expect(errorOf(failed!.stderr)).toMatchObject({ code: 1, message: expect.stringMatching(new RegExp(`^${escape(churn)}/f\\d+ ${WORDS[how]}.*the backup of ${escape(w.userdata)} was not written`)) });
        // Nothing of the failed run is left: no archive, no temporary file, no lock.
        expect(existsSync(failed!.backupDir) ? readdirSync(failed!.backupDir) : []).toEqual([]);
        expect(existsSync(join(w.root, 'locks')) ? readdirSync(join(w.root, 'locks')) : []).toEqual([]);
        expect(w.audit().filter((r) => r.command === 'backup userdata').at(-1)).toMatchObject({ exitCode: 1, outcome: 'failed', error: expect.stringContaining(churn) });
      } finally {
        child.kill('SIGKILL');
        await child;
      }
    }, 300_000);
  }
});
