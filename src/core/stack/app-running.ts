import { lstat, open, readlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../run/lock.js';

// Chromium (so Electron) guards a profile with a single-instance lock inside userData
// (anchors-and-gotchas.md §H.9): on macOS and Linux `SingletonLock`, a symlink whose target is
// `<hostname>-<pid>`; on Windows a file named `lockfile` that the running app holds open
// exclusively (electron#18728). A backup taken while the app runs copies half-written files.

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

/**
 * detectRunningApp reads the Chromium single-instance lock in `userDataDir`: `running` when it
 * names a live process on this host (or, on Windows, `lockfile` is held open), `not-running` when
 * there is no lock or it is stale, `unknown` when it cannot tell (a lock from another host, an
 * unexpected lock form). Filesystem errors other than "not found" reject.
 */
export async function detectRunningApp(userDataDir: string, probe: AppProbe = {}): Promise<AppState> {
  const found = (probe.platform ?? process.platform) === 'win32' ? await windowsLock(userDataDir) : await posixLock(userDataDir, probe);
  return found ?? { state: 'not-running', detail: 'no single-instance lock in the folder' };
}

/** Runtime-only entries of userData that must not be restored: the lock would point at a dead or reused pid. */
export const USERDATA_EXCLUDES: ReadonlySet<string> = new Set(['./SingletonLock', './SingletonCookie', './SingletonSocket']);
