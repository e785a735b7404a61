import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditRecord } from '../../src/core/audit/append.js';
import { assertSafeOutputDir } from '../../src/core/fs/safe-output-dir.js';
import { updateMetricsFile } from '../../src/core/metrics/metrics-file.js';
import { runProgram } from '../helpers/run-program.js';

// Issue 14, output folders: root writes archives by path (temporary file, rename, sub-folders,
// chmod, retention's unlinks). A folder `nobody` can change on the way would let nobody redirect
// those writes, so as root such a folder is refused before anything is written. Runs as root (CI).
const NOBODY = 65534;

describe('root never writes into an output folder another user could redirect', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-outdir-'));
  const root = join(base, 'root');
  const userdata = join(base, 'userdata');
  const nobodyHome = join(base, 'home-nobody');
  // Where a redirected write would land: root's own.
  const rootOnly = join(base, 'root-only');
  const env = { AUTOCODEX_OPS_AUDIT_LOG: join(base, 'audit', 'audit.jsonl') };
  const children: ChildProcess[] = [];
  const backup = (out: string, cwd = root) => runProgram(['backup', 'userdata', '--root', root, '--userdata-dir', userdata, '--output-dir', out, '--json'], { env, cwd });

  beforeAll(() => {
    chmodSync(base, 0o755);
    for (const d of [root, userdata, nobodyHome]) mkdirSync(d);
    mkdirSync(rootOnly, { mode: 0o700 });
    writeFileSync(join(userdata, 'settings.json'), '{}');
    chownSync(nobodyHome, NOBODY, NOBODY);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
    rmSync(base, { recursive: true, force: true });
  });

  it("a nobody-owned backup folder: exit 2 naming it and how to fix it, nothing written", async () => {
    const out = join(base, 'nobody-backups');
    mkdirSync(out);
    chownSync(out, NOBODY, NOBODY);
    const run = await backup(out);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`Refusing to write as root into the backup folder ${out}: it is owned by uid ${NOBODY}, not root`);
    // Refused before the lock and before any data is read or a service stopped.
    expect(run.stderr).not.toContain('Writing');
    expect(run.stderr).toContain('chmod go-w');
    expect(readdirSync(out)).toEqual([]);
  });

  it("a root-owned folder inside nobody's folder, a world-writable one, a link nobody controls: all refused; a root-owned one under sticky /tmp is used", async () => {
    const inside = join(nobodyHome, 'root-owned');
    mkdirSync(inside, { mode: 0o700 });
    const run = await backup(inside);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`the folder ${nobodyHome} on its way is owned by uid ${NOBODY}`);
    expect(readdirSync(inside)).toEqual([]);

    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o1777);
    expect(() => assertSafeOutputDir(open)).toThrow('it is writable by every user');
    // A link in a root-owned folder pointing into nobody's folder: the target's way is checked too.
    const link = join(base, 'link-to-nobody');
    symlinkSync(join(nobodyHome, 'x'), link);
    expect(() => assertSafeOutputDir(join(link, 'deeper'))).toThrow(`the folder ${nobodyHome} on its way`);
    // A link nobody planted in its own folder pointing at root's: the folder holding it is nobody's.
    const planted = join(nobodyHome, 'to-root');
    symlinkSync(rootOnly, planted);
    expect(() => assertSafeOutputDir(planted)).toThrow(`the folder ${nobodyHome} on its way`);

    // Still usable: root's folders, sticky /tmp on the way, a root-owned link, a folder to create.
    const good = join(base, 'good', 'backups');
    const ok = await backup(good);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(good).filter((n) => n.endsWith('.tar.gz'))).toHaveLength(1);
    symlinkSync(join(base, 'good'), join(base, 'good-link'));
    expect(() => assertSafeOutputDir(join(base, 'good-link', 'backups', 'new'))).not.toThrow();
  });

  it('a racing nobody process swapping a folder on the way for a link into root-only mid-write: every run refused, nothing lands there', async () => {
    const out = join(nobodyHome, 'race');
    mkdirSync(join(rootOnly, 'backups'), { recursive: true });
    // The racer, as nobody: once root has made out/backups, wait a moment and swap `out` (nobody's
    // own folder) for a link to root-only, so root's next writes by path land in root-only/backups.
    const racer = (delayMs: number) =>
      spawn(
        process.execPath,
        [
          '-e',
          `const fs = require('fs'); const out = ${JSON.stringify(out)};
           fs.mkdirSync(out, { recursive: true }); process.stdout.write('ready\\n');
           const t = Date.now(); while (!fs.existsSync(out + '/backups') && Date.now() - t < 20000) {}
           const w = Date.now(); while (Date.now() - w < ${delayMs}) {}
           fs.renameSync(out, out + '-aside-' + process.pid); fs.symlinkSync(${JSON.stringify(rootOnly)}, out);`,
        ],
        { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'ignore'] },
      );
    const ready = (c: ChildProcess) => new Promise((res) => c.stdout!.once('data', res));
    const runs = [];
    for (const delayMs of [0, 2, 5, 10, 20, 40, 80]) {
      const r = racer(delayMs);
      children.push(r);
      await ready(r);
      runs.push(await backup(join(out, 'backups')));
      r.kill('SIGKILL');
      await new Promise((res) => (r.exitCode !== null || r.signalCode !== null ? res(null) : r.once('exit', res)));
      rmSync(out, { recursive: true, force: true });
    }
    // Without the check, root's archive or sidecars land in root-only/backups.
    expect(readdirSync(join(rootOnly, 'backups'))).toEqual([]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`${nobodyHome} on its way is owned by uid ${NOBODY}`);
    }
  });

  it('restore userdata as root with a pre-restore folder nobody owns: exit 2 before anything is asked or changed', async () => {
    const made = await backup(join(base, 'for-restore'));
    expect(made.code, made.stderr).toBe(0);
    const archive = (JSON.parse(made.stdout) as { archive: string }).archive;
    const safety = join(base, 'nobody-safety');
    mkdirSync(safety);
    chownSync(safety, NOBODY, NOBODY);
    writeFileSync(join(userdata, 'settings.json'), '{"changed":true}');
    const run = await runProgram(['restore', 'userdata', archive, '--root', root, '--userdata-dir', userdata, '--yes'], { env: { ...env, PRE_RESTORE_BACKUP_DIR: safety }, cwd: root });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`Refusing to write as root into the pre-restore backup folder ${safety}: it is owned by uid ${NOBODY}`);
    expect(run.asked).toEqual([]);
    expect(readdirSync(safety)).toEqual([]);
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('{"changed":true}');
    writeFileSync(join(userdata, 'settings.json'), '{}');
  });

  it("backup prune as root in nobody's folder deletes nothing (exit 2); support-bundle in nobody's working folder writes nothing", async () => {
    const out = join(nobodyHome, 'prune');
    mkdirSync(out);
    for (const stamp of ['20260101_000000', '20260102_000000']) writeFileSync(join(out, `userdata_${stamp}.tar.gz`), 'x');
    chownSync(out, NOBODY, NOBODY);
    const prune = await runProgram(['backup', 'prune', '--root', root, '--output-dir', out, '--kind', 'userdata', '--keep-last', '1', '--yes'], { env, cwd: root });
    expect(prune.code, prune.stderr).toBe(2);
    expect(prune.stderr).toContain(`Refusing to write as root into the backup folder ${out}`);
    expect(readdirSync(out)).toHaveLength(2);

    const bundle = await runProgram(['support-bundle', '--root', root, '--userdata-dir', userdata], { env, cwd: nobodyHome });
    expect(bundle.code, bundle.stderr).toBe(2);
    expect(bundle.stderr).toContain(`Refusing to write as root into the output folder ${nobodyHome}`);
    expect(readdirSync(nobodyHome).filter((n) => n.startsWith('autocodex-support') || n.startsWith('.autocodex-support'))).toEqual([]);
  });

  it("schedule install as root: a cron log in a checkout nobody owns is refused (cron's `>>` would follow nobody's link as root); root's own checkout is fine", async () => {
    const cronD = join(rootOnly, 'cron-d-file');
    const schedEnv = { ...env, AUTOCODEX_OPS_CRON_D_FILE: cronD };
    const checkout = join(nobodyHome, 'auto-codex');
    mkdirSync(checkout);
    chownSync(checkout, NOBODY, NOBODY);
    for (const extra of [['--dry-run'], []]) {
      const refused = await runProgram(['schedule', 'install', '--target', 'cron.d', '--root', checkout, ...extra], { env: schedEnv, cwd: root });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`Refusing to write as root into the cron log folder ${join(checkout, 'logs')}`);
    }
    expect(existsSync(cronD)).toBe(false);
    expect(existsSync(join(checkout, 'logs'))).toBe(false);
    const fine = await runProgram(['schedule', 'install', '--target', 'cron.d', '--root', root, '--dry-run'], { env: schedEnv, cwd: root });
    expect(fine.code, fine.stderr).toBe(0);
  });

  it("the metrics file and the audit trail in nobody's folder are refused, nothing written", async () => {
    await expect(updateMetricsFile(join(nobodyHome, 'autocodex.prom'), [])).rejects.toThrow(`Refusing to write as root into the metrics folder ${nobodyHome}`);
    const auditDir = join(nobodyHome, 'logs');
    await expect(
      appendAuditRecord({ command: 'backup userdata' } as Parameters<typeof appendAuditRecord>[0], { path: join(auditDir, 'audit.jsonl'), maxBytes: 0, backups: 0 }),
    ).rejects.toThrow(`Refusing to write as root into the audit log folder ${auditDir}`);
    expect(existsSync(join(nobodyHome, 'autocodex.prom'))).toBe(false);
    expect(existsSync(auditDir)).toBe(false);
  });
});
