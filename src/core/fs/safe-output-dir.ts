import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { runningAsRoot } from './identity.js';

// Root writes backups, safety copies and bundles by path: temporary files, renames, new
// sub-folders, chmods and retention's unlinks. If another user can rename any folder on that path,
// they can swap it for a link in the gap and redirect those writes as root. So as root an output
// folder is used only when nobody else can change the way to it: every folder on its path (links
// resolved, each link sitting in such a folder) is root's, and not writable by others except a
// sticky one like /tmp, where others cannot rename root's entries; the output folder itself is not
// writable by anyone else at all.

const MAX_LINKS = 40;

/** whyUnsafe says why a folder on the way to an output folder could be changed by another user. */
function whyUnsafe(st: Stats, last: boolean): string | undefined {
  if (st.uid !== 0) return `is owned by uid ${st.uid}, not root`;
  const others = (st.mode & 0o002) !== 0;
  const group = (st.mode & 0o020) !== 0 && st.gid !== 0;
  if (!others && !group) return undefined;
  if (!last && (st.mode & 0o1000) !== 0) return undefined;
  return others ? 'is writable by every user' : `is writable by group ${st.gid}`;
}

const parts = (path: string) => path.split(sep).filter((p) => p !== '' && p !== '.');

/**
 * checkPath walks `dir` from `/` without trusting any link another user could change: a link is
 * followed only after the folder holding it was found safe. It returns the first unsafe folder
 * and why, or undefined; a missing part ends the walk (root creates the rest, in a safe folder).
 */
function checkPath(dir: string): { folder: string; why: string } | undefined {
  const queue = parts(resolve(dir));
  let current: string = sep;
  let links = 0;
  const root = lstatSync(sep);
  const rootWhy = whyUnsafe(root, queue.length === 0);
  if (rootWhy) return { folder: sep, why: rootWhy };
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '..') {
      current = resolve(current, '..');
      continue;
    }
    const next = join(current, name);
    let st: Stats;
    try {
      st = lstatSync(next);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return { folder: next, why: 'is a loop of links' };
      const target = readlinkSync(next);
      queue.unshift(...parts(target));
      if (isAbsolute(target)) current = sep;
      continue;
    }
    if (!st.isDirectory()) return undefined; // not a folder: the write that follows fails with its own error
    const why = whyUnsafe(st, queue.length === 0);
    if (why) return { folder: next, why };
    current = next;
  }
  return undefined;
}

/**
 * assertSafeOutputDir refuses (UsageError, exit 2, before anything is written) an output folder
 * that another user could redirect when this run is root; it does nothing for other users, who
 * can only hurt themselves. `what` names the setting in the message (e.g. "the backup folder").
 */
export function assertSafeOutputDir(dir: string, what = 'the output folder'): void {
  if (!runningAsRoot()) return;
  const found = checkPath(dir);
  if (!found) return;
  const same = resolve(found.folder) === resolve(dir);
  throw new UsageError(
    `Refusing to write as root into ${what} ${dir}: ${same ? 'it' : `the folder ${found.folder} on its way`} ${found.why}, so another user could swap a part of it for a link and redirect root's writes.`,
    {
      hint: `Choose a folder whose every parent is root's and writable by root only (e.g. /var/backups/auto-codex), or make it so (chown root ${found.folder}; chmod go-w ${found.folder}), or run the command as that folder's owner.`,
    },
  );
}
