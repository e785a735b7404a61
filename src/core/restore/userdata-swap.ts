import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, lutimesSync, mkdirSync, openSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import { READ_CHUNK } from '../archive/read-archive.js';
import { fsyncDir } from '../fs/write-file-atomic.js';
import { InterruptedError, OpsError, UsageError } from '../errors.js';
import { decryptionStages } from '../archive/archive-encryption.js';
import type { Identity } from '../fs/identity.js';
import { asOwnerSync } from '../fs/as-owner.js';
import type { ArchiveSource } from '../stack/falkordb-volume.js';

// The userData folder is replaced by renames in its parent folder, so at every moment one complete
// folder exists under a known name: the new content is extracted beside the target, then the
// current folder is renamed aside and the new one renamed into place (both on one file system).

const CHUNK = 1024 * 1024;
const DIR_MODE = 0o700;

/** What is at the userData path now: nothing yet (a new machine) or a real folder. */
export type FolderState = { state: 'missing' } | { state: 'folder' };

/**
 * inspectTarget tells whether the userData path is missing or a folder. It rejects with UsageError
 * (exit 2) when it is a symlink (renaming would replace the link, not the folder it points to) or
 * not a folder; other file-system errors reject as they are.
 */
export async function inspectTarget(path: string): Promise<FolderState> {
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (!st) return { state: 'missing' };
  if (st.isSymbolicLink()) throw new UsageError(`The userData path ${path} is a symlink; nothing was changed.`, { hint: 'Pass the folder it points to with --userdata-dir (see `readlink -f`).' });
  if (!st.isDirectory()) throw new UsageError(`The userData path ${path} is not a folder; nothing was changed.`, { hint: 'Check --userdata-dir / USERDATA_DIR.' });
  return { state: 'folder' };
}

/** siblingPath names a hidden folder beside `target` for one purpose (`restore`, `replaced`), unique per run. */
export function siblingPath(target: string, purpose: string): string {
  return join(dirname(target), `.${basename(target)}.${purpose}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** How extractToStaging extracts. */
export interface ExtractOptions {
  skip: ReadonlySet<string>;
  signal?: AbortSignal;
  as?: Identity;
  /**
   * `archived`: keep the mode and time the archive records for the folders, the top one included
   * (a project's `.auto-codex/`, restored as it was); default: the top folder 0700 (userData holds tokens).
   */
  folders?: 'private' | 'archived';
}

/**
 * extractToStaging creates `staging` (mode 0700; it must not exist) and extracts the archive into
 * it with node-tar (strict, no absolute paths, links kept inside), leaving out the `skip` entries,
 * hashing the bytes it reads: they must hash to `source.sha256`. Owners are never kept and modes
 * lose setuid, setgid and sticky bits. With `as` (root restoring a user's folder) every file
 * operation runs as that user (asOwnerSync), one gunzipped piece at a time, so a link the user plants
 * in the staging folder leads only where the user could write anyway. It rejects with OpsError on
 * any extraction or digest problem and InterruptedError on abort; the caller removes `staging`.
 */
export async function extractToStaging(source: ArchiveSource, staging: string, options: ExtractOptions): Promise<void> {
  const { as } = options;
  asOwnerSync(as, () => {
    mkdirSync(dirname(staging), { recursive: true, mode: DIR_MODE });
    // Fails with EEXIST on anything already there, a planted symlink included.
    mkdirSync(staging, { mode: DIR_MODE });
  });
  const tar = await import('tar');
  const hash = createHash('sha256');
  let failure: Error | undefined;
  // Creating a folder's children moves its time, and node-tar sets no link's time: both get the
  // archived times once all is written.
  const folderTimes: Array<{ path: string; mtime: Date; link: boolean }> = [];
  let topMode: number | undefined;
  const unpack = new tar.UnpackSync({
    cwd: staging,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    filter: (path: string, entry: { mode?: number; type?: string; mtime?: Date }) => {
      if (options.skip.has(path)) return false;
      if (options.folders === 'archived' && (entry.type === 'Directory' || entry.type === 'SymbolicLink') && entry.mtime) folderTimes.push({ path, mtime: entry.mtime, link: entry.type === 'SymbolicLink' });
      // A crafted archive must not plant a setuid file (or a sticky folder) in the user's folder.
      if (typeof entry.mode === 'number') entry.mode &= 0o777;
      if (entry.type === 'Directory' && (path === './' || path === '.')) topMode = entry.mode;
      return true;
    },
  });
  unpack.on('error', (err: Error) => (failure ??= err));
  // Only node-tar's file work runs as the user, synchronously inside each write; reading and
  // gunzip (no file access) stay asynchronous. The archive is opened here, as this run, first.
  const fd = openSync(source.path, 'r');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const sink = new Writable({
    highWaterMark: CHUNK,
    write(chunk: Buffer, _encoding, callback) {
      try {
        asOwnerSync(as, () => unpack.write(chunk));
      } catch (err) {
        failure ??= err as Error;
      }
      callback(failure);
    },
    final(callback) {
      try {
        asOwnerSync(as, () => unpack.end());
      } catch (err) {
        failure ??= err as Error;
      }
      callback(failure);
    },
  });
  try {
    const decrypt = decryptionStages(source.path, source.key).stages;
    await pipeline([createReadStream('', { fd, highWaterMark: READ_CHUNK }), tap, ...decrypt, createGunzip({ chunkSize: CHUNK }), sink], { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw new OpsError(`Extracting ${source.path} failed: ${(failure ?? (error as Error)).message}`, { cause: error });
  }
  if (failure) throw new OpsError(`Extracting ${source.path} failed: ${failure.message}`, { cause: failure });
  const actual = hash.digest('hex');
  if (actual !== source.sha256) {
    throw new OpsError(`The archive ${source.path} changed after it was checked (sha256 ${actual}, checked ${source.sha256}).`, {
      hint: 'Something is writing to the backup file; make sure nothing touches it and run the restore again.',
    });
  }
  if (options.folders === 'archived') {
    // node-tar leaves an existing cwd's mode alone; the top folder gets the archived one too.
    if (topMode !== undefined) asOwnerSync(as, () => chmodSync(staging, topMode!));
    // Deepest first, so setting a folder's time does not move its parent's again.
    for (const f of folderTimes.reverse()) asOwnerSync(as, () => (f.link ? lutimesSync : utimesSync)(join(staging, f.path), f.mtime, f.mtime));
    return;
  }
  // The archive's `./` entry may carry a wider mode; userData holds tokens.
  asOwnerSync(as, () => chmodSync(staging, DIR_MODE));
}

/**
 * swapIn puts the complete folder `staging` in place of `target`: the current folder (if any) is
 * renamed to a hidden sibling first, then `staging` is renamed to `target` and the parent fsynced.
 * If the second rename fails the first is undone before rejecting. Resolves with where the old
 * folder now is (undefined when there was none); the caller removes it once it is no longer needed.
 */
export async function swapIn(target: string, staging: string, exists: boolean, as?: Identity): Promise<string | undefined> {
  const aside = exists ? siblingPath(target, 'replaced') : undefined;
  const rename = async (from: string, to: string) => asOwnerSync(as, () => renameSync(from, to));
  if (aside) await rename(target, aside);
  try {
    await rename(staging, target);
  } catch (error) {
    const why = (error as Error).message;
    if (aside) {
      await rename(aside, target).catch((back: unknown) => {
        throw new OpsError(`Moving the restored folder into place failed (${why}), and so did putting the previous one back (${(back as Error).message}): it is at ${aside}.`, {
          cause: back,
          hint: `Move it back by hand: mv '${aside}' '${target}'`,
        });
      });
    }
    throw new OpsError(`Moving the restored folder into place failed (${why}); the previous folder was put back.`, { cause: error });
  }
  await fsyncDir(dirname(target));
  return aside;
}

/**
 * removeTree deletes a folder tree without following links (as `as` when given, so a folder the
 * user swaps for a link mid-walk leads nowhere root-only); resolves false (never rejects) when it
 * could not, so the caller can say where it is.
 */
export async function removeTree(path: string, as?: Identity): Promise<boolean> {
  try {
    asOwnerSync(as, () => rmSync(path, { recursive: true, force: true }));
    return true;
  } catch {
    return false;
  }
}
