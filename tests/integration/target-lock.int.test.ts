import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MACHINE_LOCK_DIR, opsLockDir } from '../../src/core/run/lock-dir.js';
import { claimOf } from '../../src/core/run/lock-claims.js';
import { acquireLock } from '../../src/core/run/lock.js';
import { falkordbLockTarget, userdataLockTarget } from '../../src/core/run/target-lock.js';
import { runProgram } from '../helpers/run-program.js';

// Issue 14 §4: a lock is keyed by what it protects, in the machine-wide folder, so runs from other
// roots, other working directories and other users exclude each other. The holder is a real
// process (as `nobody` too); killing it with SIGKILL must never leave the folder locked.
const CHILD_SOURCE = `
import { acquireLock } from ${JSON.stringify(resolve('src/core/run/lock.ts'))};
import { opsLockDir } from ${JSON.stringify(resolve('src/core/run/lock-dir.ts'))};
import { falkordbLockTarget, userdataLockTarget } from ${JSON.stringify(resolve('src/core/run/target-lock.ts'))};
const [folder, kind] = process.argv.slice(2);
const dir = opsLockDir({ env: {}, home: '/nonexistent', uid: process.geteuid() });
try {
  const lock = await acquireLock({ dir, target: kind === 'falkordb' ? falkordbLockTarget('local', folder) : userdataLockTarget(folder), command: 'backup userdata (child ' + process.pid + ')' });
  console.log('ACQUIRED ' + lock.path);
  await new Promise((r) => process.stdin.on('end', r).resume());
  await lock.release();
} catch (err) {
  console.log('HELD ' + err.message);
  process.exitCode = err.exitCode ?? 1;
}
`;

const NOBODY = 65534;

describe('target locks across roots, users and real processes', () => {
  const work = mkdtempSync(join(tmpdir(), 'aco-tlock-'));
  const children: ChildProcess[] = [];
  let childScript = '';
  // Both roots see the same userData folder, one through a symlink: the lock is on its real path.
  const folder = join(work, 'Auto Codex');
  const alias = join(work, 'alias');
  const rootA = join(work, 'rootA');
  const rootB = join(work, 'rootB');
  const env = { AUTOCODEX_OPS_LOCK_DIR: undefined, AUTOCODEX_OPS_AUDIT_LOG: join(work, 'audit.jsonl') };

  // A folder of root's: nobody has no claim on it, so nobody's locks on it are not honoured by root.
  const rootsFolder = join(work, 'roots-userdata');

  function hold(uid?: number, what = folder, kind = 'userdata'): Promise<{ proc: ChildProcess; line: string }> {
    const proc = spawn(process.execPath, [childScript, what, kind], { stdio: ['pipe', 'pipe', 'inherit'], ...(uid === undefined ? {} : { uid, gid: uid }) });
    children.push(proc);
    return new Promise((res, rej) => {
      let out = '';
      proc.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) res({ proc, line: out.trim() });
      });
      proc.once('exit', (code) => rej(new Error(`holder exited ${code}: ${out}`)));
    });
  }
  const gone = (p: ChildProcess) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));

  beforeAll(async () => {
    chmodSync(work, 0o755);
    for (const d of [join(folder, 'Partitions'), rootA, rootB]) mkdirSync(d, { recursive: true });
    chmodSync(folder, 0o755);
    writeFileSync(join(folder, 'settings.json'), '{}');
    // The userData folder is nobody's, as a user's is: nobody's own runs have a claim on its lock.
    for (const p of [folder, join(folder, 'Partitions'), join(folder, 'settings.json')]) chownSync(p, NOBODY, NOBODY);
    mkdirSync(rootsFolder);
    writeFileSync(join(rootsFolder, 'settings.json'), '{}');
    symlinkSync(folder, alias);
    writeFileSync(join(work, 'child-entry.mjs'), CHILD_SOURCE);
    childScript = join(work, 'child.mjs');
    await build({ entryPoints: [join(work, 'child-entry.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: childScript, logLevel: 'error' });
    chmodSync(childScript, 0o644);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(gone));
    rmSync(work, { recursive: true, force: true });
  });

  it('root creates the shared folder as a root-owned sticky 1777 folder', () => {
    expect(opsLockDir({ env: {}, home: '/nonexistent', uid: 0 })).toBe(MACHINE_LOCK_DIR);
    const st = lstatSync(MACHINE_LOCK_DIR);
    expect(st.isDirectory()).toBe(true);
    expect(st.uid).toBe(0);
    expect(st.mode & 0o7777).toBe(0o1777);
  });

  it("a backup from another root of the same folder (through a symlink) is exit 11 while a run of the folder's owner (nobody) holds it", async () => {
    const holder = await hold(65534);
    expect(holder.line).toMatch(new RegExp(`^ACQUIRED ${MACHINE_LOCK_DIR}/userdata-`));
    const run = await runProgram(['backup', 'userdata', '--root', rootB, '--userdata-dir', alias, '--output-dir', join(work, 'out')], { env, cwd: rootB });
    expect(run.code, run.stderr).toBe(11);
    expect(run.stderr).toContain('backup userdata (child');
    holder.proc.stdin!.end();
    await gone(holder.proc);
    const after = await runProgram(['backup', 'userdata', '--root', rootB, '--userdata-dir', alias, '--output-dir', join(work, 'out')], { env, cwd: rootB });
    expect(after.code, after.stderr).toBe(0);
  });

  it('a holder killed with SIGKILL never blocks the next run', async () => {
    const holder = await hold();
    holder.proc.kill('SIGKILL');
    await gone(holder.proc);
    const run = await runProgram(['backup', 'userdata', '--root', rootA, '--userdata-dir', folder, '--output-dir', join(work, 'out2')], { env, cwd: rootA });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Took over');
    expect(existsSync(join(work, 'out2'))).toBe(true);
  });

  it("a lock another user forged (as nobody, naming root's pid 1) does not block root: taken over with a warning", async () => {
    const target = join(MACHINE_LOCK_DIR, `${userdataLockTarget(folder)}.lock`);
    const forge = spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(target)}, JSON.stringify({ pid: 1, host: require('os').hostname(), startedAt: new Date().toISOString(), command: 'backup userdata', boot: require('fs').readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() }), { flag: 'wx' })`], { uid: 65534, gid: 65534 });
    expect(forge.status, forge.stderr.toString()).toBe(0);
    expect(lstatSync(target).uid).toBe(65534);
    const run = await runProgram(['backup', 'userdata', '--root', rootA, '--userdata-dir', folder, '--output-dir', join(work, 'out3')], { env, cwd: rootA });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("a process of another user than the file's owner (uid 65534)");
    expect(existsSync(target)).toBe(false);
  });

  it("a live lock held by a user with no claim on the target (nobody, on root's folder) does not block root: ignored with a warning naming it", async () => {
    const holder = await hold(NOBODY, rootsFolder);
    const file = join(MACHINE_LOCK_DIR, `${userdataLockTarget(rootsFolder)}.lock`);
    expect(holder.line).toBe(`ACQUIRED ${file}`);
    const holderPid = (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
    const run = await runProgram(['backup', 'userdata', '--root', rootA, '--userdata-dir', rootsFolder, '--output-dir', join(work, 'out4')], { env, cwd: rootA });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Ignored the ${userdataLockTarget(rootsFolder)} lock ${file}: it is held by pid ${holderPid}`);
    expect(run.stderr).toContain(`as uid ${NOBODY}, a user with no claim on what it protects (only root and the owner of ${rootsFolder} have one)`);
    // The holder, still alive, finds the name taken by root's run (now released) and leaves it alone.
    holder.proc.stdin!.end();
    await gone(holder.proc);
    expect(holder.proc.exitCode).toBe(0);
  });

  it("nobody (not in the docker group) cannot hold a FalkorDB volume's lock against root; a process of root's still can", async () => {
    const volume = `aco-tlock-vol-${process.pid}`;
    const lockName = falkordbLockTarget('local', volume);
    const claim = claimOf(lockName)!;
    expect(claim.who).toBe('a user of the Docker engine /var/run/docker.sock');
    expect(claim.allows(NOBODY)).toBe(false);
    const nobodyHolder = await hold(NOBODY, volume, 'falkordb');
    expect(nobodyHolder.line).toMatch(/^ACQUIRED /);
    const warnings: string[] = [];
    const lock = await acquireLock({ dir: MACHINE_LOCK_DIR, target: lockName, command: 'restore falkordb', log: { warn: (m) => warnings.push(m) } });
    expect(warnings).toEqual([expect.stringContaining(`as uid ${NOBODY}, a user with no claim on what it protects (only root and a user of the Docker engine /var/run/docker.sock have one)`)]);
    await lock.release();
    nobodyHolder.proc.stdin!.end();
    await gone(nobodyHolder.proc);
    // A holder with a claim (a root process) is honoured: exit 11.
    const rootHolder = await hold(undefined, volume, 'falkordb');
    await expect(acquireLock({ dir: MACHINE_LOCK_DIR, target: lockName, command: 'restore falkordb' })).rejects.toMatchObject({ exitCode: 11 });
    rootHolder.proc.stdin!.end();
    await gone(rootHolder.proc);
  });

  it('a FIFO or a link a user without a claim planted under the lock name (kept fresh) never blocks or stalls root', async () => {
    const target = userdataLockTarget(rootsFolder);
    const file = join(MACHINE_LOCK_DIR, `${target}.lock`);
    for (const plant of [`mkfifo ${file}`, `ln -s /etc/shadow ${file}`]) {
      const made = spawnSync('sh', ['-c', plant], { uid: NOBODY, gid: NOBODY });
      expect(made.status, made.stderr.toString()).toBe(0);
      const warnings: string[] = [];
      const lock = await acquireLock({ dir: MACHINE_LOCK_DIR, target, command: 'backup userdata', log: { warn: (m) => warnings.push(m) } });
      expect(warnings).toEqual([expect.stringContaining(`Ignored the ${target} lock ${file}`)]);
      expect(lstatSync(file).uid).toBe(0);
      await lock.release();
    }
  });
});
