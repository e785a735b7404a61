import { open, stat, type FileHandle } from 'node:fs/promises';
import { OpsError } from '../errors.js';

// Issue 23 §7a: an archive pruned or replaced while the operator sits at the prompt (a nightly
// backup's retention) must not cost an outage. The restore opens the archive before its checks and
// keeps it open; right before it stops anything it proves the name still leads to that same file,
// unchanged (device, inode, size, mtime). The extraction then reads through the held descriptor and
// hashes what it sends (it must be what the checks approved), so a prune after the stop changes nothing.

/** The identity of a file as fstat/stat report it. */
interface Identity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** An archive opened before the checks and kept open until the restore ends. */
export interface HeldArchive {
  path: string;
  handle: FileHandle;
  identity: Identity;
  close(): Promise<void>;
}

const identityOf = (s: { dev: number; ino: number; size: number; mtimeMs: number }): Identity => ({ dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
const same = (a: Identity, b: Identity) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** holdArchive opens `path` read-only; undefined when it cannot be opened (the checks then say why). */
export async function holdArchive(path: string): Promise<HeldArchive | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  const s = await handle.stat();
  if (!s.isFile()) {
    await handle.close();
    return undefined;
  }
  let closed = false;
  return {
    path,
    handle,
    identity: identityOf(s),
    close: async () => {
      if (closed) return;
      closed = true;
      await handle.close().catch(() => undefined);
    },
  };
}

const changed = (path: string, why: string) =>
  new OpsError(`The archive ${path} ${why} since it was checked; nothing was stopped or changed.`, {
    hint: 'A backup run (retention) or another process touched the backups folder while the restore waited. Pick the archive again (`autocodex-ops backup list`) and run the restore again.',
  });

/**
 * recheckArchive runs right before the restore stops anything: the name must still lead to the held
 * file, unchanged (device, inode, size, mtime). Its bytes are not read again here: the extraction
 * reads them through the held descriptor and hashes them, and a digest other than the checked one
 * fails the restore. Rejects with OpsError (exit 1, nothing touched) when the archive was removed,
 * replaced or modified since it was opened.
 */
export async function recheckArchive(held: HeldArchive): Promise<void> {
  const now = await stat(held.path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (!now) throw changed(held.path, 'was removed');
  if (now.dev !== held.identity.dev || now.ino !== held.identity.ino) throw changed(held.path, 'was replaced by another file');
  if (!same(identityOf(await held.handle.stat()), held.identity)) throw changed(held.path, 'was modified');
}
