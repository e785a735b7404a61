import { lstat, open, readlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../run/lock.js';
import { APP_PROCESS, appProcessesByName, lsofHolders, procHolders, type Holder, type HolderScan } from './app-holders.js';

// A backup taken while the app runs copies half-written files. Auto Codex never calls
// requestSingleInstanceLock (app-rules.md §4), so it leaves no SingletonLock: the running app is
// found by the files it holds open under userData (app-holders.ts), with its process name as the
// fallback where those cannot be seen. A Chromium single-instance lock (`SingletonLock` symlink
// `<hostname>-<pid>`; Windows `lockfile` held open), if some build does take one, still counts.

/** What the singleton lock says about the app. */
export type AppState =
  | { state: 'not-running'; detail: string }
  | { state: 'running'; detail: string }
  | { state: 'unknown'; detail: string };

/** Seams for detectRunningApp; the defaults ask this machine. */
export interface AppProbe {
  platform?: NodeJS.Platform;
  hostname?: string;
  isAlive?: (pid: number) => boolean;
  /** Who holds files open under the folder; undefined: this machine cannot tell. */
  holders?: (dir: string) => Promise<HolderScan | undefined>;
  /** Processes carrying the app's name; undefined: cannot list them. */
  byName?: () => Promise<Holder[] | undefined>;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

async function posixLock(dir: string, probe: AppProbe): Promise<AppState | undefined> {
  const path = join(dir, 'SingletonLock');
  const st = await lstat(path).catch((err: unknown) => (code(err) === 'ENOENT' ? undefined : Promise.reject(err)));
  if (!st) return undefined;
  if (!st.isSymbolicLink()) return { state: 'unknown', detail: `${path} is not the symlink Chromium writes` };
  const target = await readlink(path);
  const m = /^(.*)-(\d+)$/.exec(target);
  if (!m) return { state: 'unknown', detail: `${path} points at "${target}", not <host>-<pid>` };
  const [host, pid] = [m[1]!, Number(m[2])];
  const here = probe.hostname ?? osHostname();
  if (host !== here) return { state: 'unknown', detail: `${path} was taken by pid ${pid} on host ${host}, which this machine cannot check` };
  return (probe.isAlive ?? isProcessAlive)(pid)
    ? { state: 'running', detail: `${path} points at pid ${pid}, which is running` }
    : { state: 'not-running', detail: `${path} is stale: pid ${pid} no longer runs` };
}

async function windowsLock(dir: string): Promise<AppState | undefined> {
  const path = join(dir, 'lockfile');
  try {
    // The running app holds it open without sharing: opening it for writing fails then.
    const fh = await open(path, 'r+');
    await fh.close();
    return { state: 'not-running', detail: `${path} is not held open` };
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    if (code(err) === 'EBUSY' || code(err) === 'EPERM' || code(err) === 'EACCES') return { state: 'running', detail: `${path} is held open by the app` };
    throw err;
  }
}

function defaultHolders(platform: NodeJS.Platform): (dir: string) => Promise<HolderScan | undefined> {
  if (platform === 'linux') return (dir) => procHolders(dir).catch(() => undefined);
  if (platform === 'darwin') return lsofHolders;
  return async () => undefined;
}

const describeHolders = (hs: Holder[]) =>
  hs
    .slice(0, 3)
    .map((h) => `pid ${h.pid} (${h.name || '?'})${h.file ? ` holds ${h.file} open` : ''}`)
    .join(', ') + (hs.length > 3 ? ` and ${hs.length - 3} more` : '');

/**
 * detectRunningApp: `running` when a process holds a file open under `userDataDir` (or a Chromium
 * single-instance lock there names a live process), `not-running` when nothing does, `unknown` when
 * it cannot tell (a lock from another host). Where open files cannot be seen (no /proc or lsof,
 * Windows, another user's process), a process carrying the app's name counts as running.
 */
export async function detectRunningApp(userDataDir: string, probe: AppProbe = {}): Promise<AppState> {
  const platform = probe.platform ?? process.platform;
  const lock = platform === 'win32' ? await windowsLock(userDataDir) : await posixLock(userDataDir, probe);
  if (lock && lock.state !== 'not-running') return lock;
  const scan = await (probe.holders ?? defaultHolders(platform))(userDataDir);
  if (scan && scan.holders.length) return { state: 'running', detail: `${describeHolders(scan.holders)} under ${userDataDir}` };
  const namedHidden = scan?.hidden.filter((h) => APP_PROCESS.test(h.name)) ?? [];
  if (namedHidden.length) return { state: 'running', detail: `${describeHolders(namedHidden)} runs under another user; its open files cannot be seen` };
  if (scan) return { state: 'not-running', detail: `no process holds a file open under ${userDataDir}` };
  const named = await (probe.byName ?? (() => appProcessesByName(platform)))();
  if (named?.length) return { state: 'running', detail: `${describeHolders(named)} runs (found by name; open files cannot be checked here)` };
  return { state: 'not-running', detail: named ? 'no process of the app runs (found by name; open files cannot be checked here)' : 'cannot list processes here; assuming the app is not running' };
}

/** Runtime-only entries of userData that must not be restored: the lock would point at a dead or reused pid. */
export const USERDATA_EXCLUDES: ReadonlySet<string> = new Set(['./SingletonLock', './SingletonCookie', './SingletonSocket']);
