import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { decryptionStages, type ArchiveKey } from '../archive/archive-encryption.js';
import { READ_CHUNK } from '../archive/read-archive.js';
import { archiveDataCollector, type TarEntryLike } from '../backup-store/archive-data.js';
import type { ArchiveData } from '../falkordb/load-plan.js';
import { InterruptedError, OpsError } from '../errors.js';

// Issue 23 §7a: an archive pruned or replaced while the operator sits at the prompt (a nightly
// backup's retention) must not cost an outage. The restore opens the archive before its checks and
// keeps it open; right before it stops anything it proves the name still leads to that same file,
// unchanged (device, inode, size, mtime) and that its bytes still hash to what the checks approved.
// The extraction then reads through the held descriptor, so a prune after the stop changes nothing.

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
 * file, unchanged, and the held file's bytes must hash to `sha256`. On the way it reads what FalkorDB
 * data the archive holds (RDB heads, AOF counts) for the load plan. Rejects with OpsError (exit 1,
 * nothing touched) when the archive was removed, replaced or changed; InterruptedError on abort.
 */
export async function recheckArchive(held: HeldArchive, sha256: string, options: { key?: ArchiveKey; signal?: AbortSignal } = {}): Promise<ArchiveData> {
  const now = await stat(held.path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  if (!now) throw changed(held.path, 'was removed');
  if (now.dev !== held.identity.dev || now.ino !== held.identity.ino) throw changed(held.path, 'was replaced by another file');
  if (!same(identityOf(await held.handle.stat()), held.identity)) throw changed(held.path, 'was modified');
  const hash = createHash('sha256');
  const tap = new Transform({ transform: (chunk: Buffer, _e, cb) => (hash.update(chunk), cb(null, chunk)) });
  const tar = await import('tar');
  const collector = archiveDataCollector();
  const parser = new tar.Parser({ onReadEntry: (e) => collector.onEntry(e as unknown as TarEntryLike) });
  const source = held.handle.createReadStream({ start: 0, autoClose: false, highWaterMark: READ_CHUNK });
  try {
    await pipeline([source, tap, ...decryptionStages(held.path, options.key).stages, createGunzip({ chunkSize: 1024 * 1024 }), parser as unknown as Writable], { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw changed(held.path, `no longer reads (${(error as Error).message})`);
  }
  if (hash.digest('hex') !== sha256) throw changed(held.path, 'was modified');
  return collector.result();
}
