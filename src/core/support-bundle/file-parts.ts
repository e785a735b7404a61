import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { reasonOf, skip, type BundlePart, type SkippedPart } from './types.js';

// Never collected, wherever they turn up (issue 18): .env files, Codex profiles and auth, keys,
// archives. Matched on the file name, so a log folder holding a stray copy is safe too.
const NEVER = [/^\.env($|\.)/i, /^auth\.json$/i, /^codex-profiles\.json$/i, /\.(pem|key|p12|pfx|age)$/i, /^id_(rsa|ed25519|ecdsa|dsa)/i, /\.tar(\.gz)?$/i, /\.tgz$/i, /\.zip$/i];

/** neverCollected tells whether a file name is one the bundle must never hold. */
export function neverCollected(name: string): boolean {
  return NEVER.some((re) => re.test(name));
}

/** A regular file found under a folder, with its size and modification time. */
export interface FoundFile {
  path: string;
  /** Path relative to the folder searched, `/`-separated. */
  relative: string;
  bytes: number;
  mtime: Date;
}

/**
 * listFiles lists the regular files under `dir` (recursing `depth` levels), never following a
 * symbolic link (a link could point anywhere, such as another user's secrets) and leaving out what
 * neverCollected names. Unreadable sub-folders are passed over; `dir` itself rejects as fs does.
 */
export async function listFiles(dir: string, depth = 4): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const walk = async (folder: string, prefix: string, left: number, top: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (top) throw err;
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory() && left > 0) await walk(path, relative, left - 1, false);
      else if (entry.isFile() && !neverCollected(entry.name)) {
        const st = await lstat(path).catch(() => undefined);
        if (st?.isFile()) found.push({ path, relative, bytes: st.size, mtime: st.mtime });
      }
    }
  };
  // The folder itself must not be a link either (a project's `.auto-codex/specs` pointing elsewhere).
  const top = await lstat(dir);
  if (top.isSymbolicLink()) throw Object.assign(new Error(`${dir} is a symbolic link; not followed`), { code: 'EPERM' });
  await walk(dir, '', depth, true);
  return found;
}

/**
 * filePart describes one file to copy as a cuttable log, or a skip when it is not a regular file
 * (a link is never followed) or cannot be read; it opens nothing yet.
 */
export async function filePart(name: string, path: string, truncatable = true): Promise<BundlePart | SkippedPart> {
  if (neverCollected(basename(path))) return skip(name, path, 'excluded', 'never collected (secrets)');
  try {
    const st = await lstat(path);
    if (!st.isFile()) return skip(name, path, 'unreadable', st.isSymbolicLink() ? 'a symbolic link; not followed' : 'not a regular file');
    return { name, source: path, kind: 'file', path, bytes: st.size, truncatable };
  } catch (err) {
    return skip(name, path, reasonOf(err), (err as Error).message);
  }
}

/** isPart tells a part from a skip. */
export function isPart(x: BundlePart | SkippedPart): x is BundlePart {
  return 'kind' in x;
}
