import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../helpers/run-program.js';

// Issue 14 §1 with real ownership and a real racing process: this suite runs as root (as cron and
// incident responders do) on a userData folder that `nobody` owns, in a home folder `nobody` owns.
const NOBODY = 65534;

/** Every path under `dir` (itself included) with its owner and mode, links not followed. */
function walk(dir: string): Array<{ path: string; uid: number; mode: number }> {
  const st = lstatSync(dir);
  const out = [{ path: dir, uid: st.uid, mode: st.mode & 0o7777 }];
  if (st.isDirectory()) for (const n of readdirSync(dir)) out.push(...walk(join(dir, n)));
  return out;
}

async function gzipTar(archive: string, src: string): Promise<string> {
  await execa('tar', ['-czf', archive, '-C', src, '.']);
  writeFileSync(`${archive}.sha256`, `${createHash('sha256').update(readFileSync(archive)).digest('hex')}  ${basename(archive)}\n`);
  return archive;
}

describe('root restoring and reading a folder another user owns', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-asroot-'));
  const root = join(base, 'root');
  const home = join(base, 'home');
  const userdata = join(home, '.config', 'Auto Codex');
  // Where a redirected extraction would land: root's own, unreadable to nobody.
  const rootOnly = join(base, 'root-only');
  const env = { AUTOCODEX_OPS_AUDIT_LOG: join(base, 'audit.jsonl') };
  const children: ChildProcess[] = [];

  function freshUserdata(): void {
    rmSync(home, { recursive: true, force: true });
    mkdirSync(userdata, { recursive: true });
    writeFileSync(join(userdata, 'settings.json'), 'current');
    for (const p of [home, join(home, '.config'), userdata, join(userdata, 'settings.json')]) chownSync(p, NOBODY, NOBODY);
    chmodSync(userdata, 0o700);
  }

  beforeAll(() => {
    chmodSync(base, 0o755);
    mkdirSync(root);
    mkdirSync(rootOnly, { mode: 0o700 });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
    rmSync(base, { recursive: true, force: true });
  });

  it('a crafted archive (root-owned 0700 `./`, a root-owned setuid file) leaves everything owned by the user, no setuid bit', async () => {
    freshUserdata();
    const src = join(base, 'crafted');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'settings.json'), 'restored');
    writeFileSync(join(src, 'sub', 'evil'), '#!/bin/sh\n');
    chmodSync(join(src, 'sub', 'evil'), 0o4755);
    chmodSync(join(src, 'sub'), 0o3777);
    chmodSync(src, 0o700);
    const archive = await gzipTar(join(base, 'crafted.tar.gz'), src);
    const run = await runProgram(['restore', 'userdata', archive, '--userdata-dir', userdata, '--yes', '--json', '--root', root], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('restored');
    const tree = walk(userdata);
    expect(tree.filter((e) => e.uid !== NOBODY)).toEqual([]);
    expect(tree.filter((e) => e.mode & 0o7000)).toEqual([]);
    expect(statSync(userdata).mode & 0o777).toBe(0o700);
    // Nothing is left beside the folder: no staging, no replaced folder.
    expect(readdirSync(join(home, '.config'))).toEqual(['Auto Codex']);
    expect(JSON.parse(run.stdout).safetyBackup).toMatch(/userdata_pre_restore_/);
  });

  it('a racing user who swaps the staging folder for a link never redirects the extraction into root\'s folders', async () => {
    freshUserdata();
    const src = join(base, 'many');
    mkdirSync(src);
    for (let i = 0; i < 4000; i += 1) writeFileSync(join(src, `f${i}.json`), `{"n":${i}}`);
    const archive = await gzipTar(join(base, 'many.tar.gz'), src);
    // The racer, as nobody: the moment a staging folder appears beside userData, move it away
    // and put a link to root's folder in its place.
    const racer = spawn(
      process.execPath,
      ['-e', `const fs=require('fs');const d=${JSON.stringify(join(home, '.config'))};const end=Date.now()+60000;
        for(;;){if(Date.now()>end)process.exit(3);const n=fs.readdirSync(d).find(x=>x.includes('.restore-'));
        if(n){try{fs.renameSync(d+'/'+n,d+'/moved');fs.symlinkSync(${JSON.stringify(rootOnly)},d+'/'+n);console.log('SWAPPED');process.exit(0)}catch(e){console.log('MISSED '+e.code);process.exit(4)}}}`],
      { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'inherit'], cwd: '/' },
    );
    children.push(racer);
    let said = '';
    racer.stdout!.on('data', (c: Buffer) => (said += c.toString()));
    const racerDone = new Promise((r) => racer.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    const run = await runProgram(['restore', 'userdata', archive, '--userdata-dir', userdata, '--yes', '--root', root], { env });
    await racerDone;
    expect(said.trim()).toBe('SWAPPED');
    // Root's folder got nothing; the user's folder is the user's: either the old one or a whole new one.
    expect(readdirSync(rootOnly)).toEqual([]);
    expect(lstatSync(userdata).isDirectory()).toBe(true);
    expect(walk(userdata).filter((e) => e.uid !== NOBODY)).toEqual([]);
    if (run.code !== 0) expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('current');
    // The tool removed its own link; what the racer moved aside is the racer's.
    expect(readdirSync(join(home, '.config')).sort()).toEqual(['Auto Codex', 'moved']);
  });

  it('backup userdata as root reads the folder as its owner: a root-only file planted inside is never archived (the backup fails naming it)', async () => {
    freshUserdata();
    const planted = join(userdata, 'planted-shadow');
    writeFileSync(planted, 'root-only secret');
    chmodSync(planted, 0o600);
    symlinkSync('otherhost-1', join(userdata, 'SingletonLock'));
    const out = join(base, 'backups');
    // Issue 23 §5: an entry the owner cannot read fails the backup (exit 1) naming it, rather than a partial archive.
    const refused = await runProgram(['backup', 'userdata', '--json', '--force', '--userdata-dir', userdata, '--output-dir', out, '--root', root], { env });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`Cannot read ${planted} as uid ${NOBODY} (permission denied)`);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    rmSync(planted);
    const run = await runProgram(['backup', 'userdata', '--json', '--force', '--userdata-dir', userdata, '--output-dir', out, '--root', root], { env });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    const listing = (await execa('tar', ['-tzf', result.archive])).stdout.split('\n');
    expect(listing).toContain('./settings.json');
    expect(listing).not.toContain('./SingletonLock');
    expect(existsSync(`${result.archive}.sha256`)).toBe(true);
  });

  it('a restore onto a new machine creates the missing folders as the home folder\'s owner', async () => {
    freshUserdata();
    rmSync(join(home, '.config'), { recursive: true, force: true });
    const src = join(base, 'fresh');
    mkdirSync(src);
    writeFileSync(join(src, 'settings.json'), 'restored');
    const archive = await gzipTar(join(base, 'fresh.tar.gz'), src);
    const run = await runProgram(['restore', 'userdata', archive, '--userdata-dir', userdata, '--yes', '--root', root], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(walk(join(home, '.config')).filter((e) => e.uid !== NOBODY)).toEqual([]);
  });
});
