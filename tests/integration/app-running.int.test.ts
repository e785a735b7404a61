import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { procHolders } from '../../src/core/stack/app-holders.js';
import { detectRunningApp } from '../../src/core/stack/app-running.js';
import { runProgram } from '../helpers/run-program.js';

// The app takes no single-instance lock: a real process holding a file open under userData is what
// "the app runs" looks like (Electron keeps its LevelDB LOCK and logs open), and what backup and
// restore of userData must refuse.
describe.skipIf(process.platform !== 'linux')('a running app is found by the files it holds open (real processes, /proc)', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function userData(): string {
    const dir = mkdtempSync(join(tmpdir(), 'aco-appfd-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'Local Storage', 'leveldb'), { recursive: true });
    writeFileSync(join(dir, 'Local Storage', 'leveldb', 'LOCK'), '');
    writeFileSync(join(dir, 'settings.json'), '{}');
    return dir;
  }

  /** holdOpen starts a process that keeps `file` open on fd 3 (as the app keeps LevelDB's LOCK), and waits until it does. */
  async function holdOpen(file: string): Promise<ChildProcess> {
    const child = spawn('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 60', 'sh', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    return child;
  }

  it('running while a process holds a file open there, naming it; not running once it ends', async () => {
    const dir = userData();
    const lockFile = join(dir, 'Local Storage', 'leveldb', 'LOCK');
    const child = await holdOpen(lockFile);
    const state = await detectRunningApp(dir);
    expect(state).toEqual({ state: 'running', detail: `pid ${child.pid} (sleep) holds ${lockFile} open under ${dir}` });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await detectRunningApp(dir)).toEqual({ state: 'not-running', detail: `no process holds a file open under ${dir}` });
  });

  it('a file open in a sibling folder with a common prefix does not count', async () => {
    const dir = userData();
    const sibling = `${dir}-other`;
    mkdirSync(sibling);
    dirs.push(sibling);
    writeFileSync(join(sibling, 'f'), '');
    await holdOpen(join(sibling, 'f'));
    expect((await procHolders(dir)).holders).toEqual([]);
  });

  it('backup userdata refuses (exit 1, nothing written) while the folder is held open, and --force goes ahead', async () => {
    const dir = userData();
    const out = mkdtempSync(join(tmpdir(), 'aco-appfd-out-'));
    dirs.push(out);
    const child = await holdOpen(join(dir, 'settings.json'));
    const refused = await runProgram(['backup', 'userdata', '--userdata-dir', dir, '--output-dir', out, '--root', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Auto Codex seems to be running (pid ${child.pid} (sleep) holds ${join(dir, 'settings.json')} open`);
    expect(readdirSync(out).filter((f) => f.startsWith('userdata_'))).toEqual([]);
    const forced = await runProgram(['backup', 'userdata', '--force', '--userdata-dir', dir, '--output-dir', out, '--root', out]);
    expect(forced.code).toBe(0);
    expect(readdirSync(out).some((f) => /^userdata_\d{8}_\d{6}\.tar\.gz$/.test(f))).toBe(true);
    expect(existsSync(dir)).toBe(true);
  });
});
