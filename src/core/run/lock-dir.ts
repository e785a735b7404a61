import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from './shared-dir.js';

/** The machine-wide folder of target locks: tmpfs, shared by every user, emptied at boot. */
export const MACHINE_LOCK_DIR = '/run/lock/autocodex-ops';

export interface LockDirInput {
  env: Record<string, string | undefined>;
  home: string;
  /** Effective uid of the run: only root creates the shared folder. */
  uid: number;
  /** Test seam: the shared folder to use instead of MACHINE_LOCK_DIR. */
  machineDir?: string;
  /** Told once per folder when root cannot use the shared folder because someone else made it. */
  warn?: (msg: string) => void;
}

const warned = new Set<string>();

/**
 * opsLockDir is the folder of the target locks of every autocodex-ops command, so that runs from
 * different roots and users exclude each other: AUTOCODEX_OPS_LOCK_DIR when set, else
 * /run/lock/autocodex-ops (created by root with mode 1777; used when it is a root-owned sticky
 * folder), else the per-user fallback ~/.cache/autocodex-ops/locks (created 0700 by acquireLock).
 */
export function opsLockDir({ env, home, uid, machineDir = MACHINE_LOCK_DIR, warn }: LockDirInput): string {
  if (env.AUTOCODEX_OPS_LOCK_DIR) return env.AUTOCODEX_OPS_LOCK_DIR;
  if (sharedDir(machineDir, uid)) return machineDir;
  const fallback = join(env.XDG_CACHE_HOME || join(home, '.cache'), 'autocodex-ops', 'locks');
  // A user who made the shared folder first (or a link there) keeps root out of it: root's runs
  // then no longer meet other users' runs (the folder's owner's), which the administrator must know.
  const taken = uid === 0 ? lstatOrUndefined(machineDir) : undefined;
  if (taken && warn && !warned.has(machineDir)) {
    warned.add(machineDir);
    warn(
      `The shared lock folder ${machineDir} is not a root-owned sticky folder (${taken.isSymbolicLink() ? 'a link' : `owned by uid ${taken.uid}, mode ${(taken.mode & 0o7777).toString(8)}`}), so root's locks are kept in ${fallback}, where other users' runs do not see them. Remove ${machineDir}; the next root run creates it properly.`,
    );
  }
  return fallback;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * privateLockDir is `<base>/autocodex-ops-<uid>/locks` when `<base>/autocodex-ops-<uid>` is (or
 * can be made) this user's own private folder. In a shared base such as /tmp another user may
 * take that name first, or put a link there, to hold root's locks or redirect its files: such a
 * folder is never used, `fallback` (under the user's home) is.
 */
export function privateLockDir(base: string, uid: number, fallback: string): string {
  const own = join(base, `autocodex-ops-${uid}`);
  try {
    mkdirSync(own, { mode: 0o700 });
  } catch {
    // There already (checked below), or the base is missing or read-only (the fallback).
  }
  const st = lstatOrUndefined(own);
  return st?.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? join(own, 'locks') : fallback;
}
