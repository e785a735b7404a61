import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

// The machine-wide folders every user's runs share (locks, restore journals) follow one rule: a
// root-owned sticky world-writable folder, like /tmp, where every user may create files and nobody
// may remove or replace another user's. One owned by someone else could be emptied or redirected by
// that user, so it is not used (nor is a symlink in its place).

/** usableSharedDir says whether `path` is a root-owned sticky world-writable folder (not a link). */
export function usableSharedDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === 0 && (st.mode & 0o1777) === 0o1777;
  } catch {
    return false;
  }
}

/**
 * sharedDir returns whether `path` can be used as the shared folder; as root (`uid` 0) it creates
 * it first with mode 1777 when it is missing. A parent missing or read-only (macOS, some
 * containers) leaves it unusable: the caller then uses its per-user fallback.
 */
export function sharedDir(path: string, uid: number): boolean {
  if (uid === 0 && !usableSharedDir(path)) {
    try {
      mkdirSync(path, { mode: 0o1777 });
      chmodSync(path, 0o1777); // mkdir's mode is cut by the umask
    } catch {
      // Missing or read-only parent, or taken by someone else: unusable, judged below.
    }
  }
  return usableSharedDir(path);
}
