import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OpsError } from '../errors.js';

// CONTRACT "Files": backups, sidecars and safety copies are mode 0600 in folders of mode 0700 and
// appear under their final name only when complete (temporary name, fsync, rename).

/** Mode of every file a backup writes. */
export const FILE_MODE = 0o600;
/** Mode of a backup folder this tool creates. */
export const DIR_MODE = 0o700;

const errno = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/**
 * fileSystemError turns an fs failure into an OpsError (exit 1) that says what happened in
 * words: a full disk or quota, a permission problem, a read-only file system. Other errors and
 * OpsErrors pass through unchanged.
 */
export function fileSystemError(err: unknown, action: string, path: string): unknown {
  if (err instanceof OpsError) return err;
  const where = dirname(path);
  switch (errno(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new OpsError(`No space left on the device while ${action} ${path}; the partial file was removed.`, {
        cause: err,
        hint: `Free space on the file system of ${where} (\`df -h ${where}\`), prune old backups (\`autocodex-ops backup prune --dry-run\`), or write elsewhere with --output-dir.`,
      });
    case 'EACCES':
    case 'EPERM':
      return new OpsError(`Permission denied while ${action} ${path}.`, { cause: err, hint: `Check that this user can write to ${where}, or choose another --output-dir.` });
    case 'EROFS':
      return new OpsError(`The file system of ${where} is read-only; cannot finish ${action} ${path}.`, { cause: err, hint: 'Choose a writable --output-dir.' });
    default:
      return err;
  }
}

/** ensurePrivateDir creates `dir` (and parents) with mode 0700 when missing; an existing folder is left as it is. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw fileSystemError(err, 'creating the folder', dir);
  }
}

/**
 * tempPathFor names a temporary file beside `finalPath`: hidden, and never matching an archive
 * name, so catalogs and prune never see it; the same folder makes the final rename atomic.
 */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * fsyncDir flushes a folder's entries, so a rename survives a power cut. Platforms that cannot
 * open a folder for sync (Windows) are skipped; other failures reject.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// Hard links are missing on some network and FAT file systems; there a check-then-rename is the
// best we can do (the run's lock keeps other autocodex-ops runs out of the gap).
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * publishNoReplace gives the complete file `temp` its final name without ever overwriting an
 * existing file (link + unlink; check + rename where links are unsupported), then fsyncs the
 * folder. Rejects with OpsError when `finalPath` already exists; `temp` is left for the caller.
 */
export async function publishNoReplace(temp: string, finalPath: string): Promise<void> {
  try {
    await link(temp, finalPath);
    await unlink(temp);
  } catch (err) {
    if (errno(err) === 'EEXIST') throw new OpsError(`${finalPath} already exists; it was left untouched.`, { cause: err });
    if (!NO_LINKS.has(errno(err) ?? '')) throw fileSystemError(err, 'naming', finalPath);
    if (await stat(finalPath).then(() => true, () => false)) throw new OpsError(`${finalPath} already exists; it was left untouched.`);
    await rename(temp, finalPath);
  }
  await fsyncDir(dirname(finalPath));
}

/** Removes what a step created; safe to call twice. */
export type Undo = () => Promise<void>;

/**
 * writeFileAtomic writes `data` to a temporary file (mode 0600), fsyncs it and publishes it
 * under `path` without overwriting anything (see publishNoReplace). It returns the undo that
 * removes the published file. On failure nothing is left behind and the error says why
 * (fileSystemError wording for a full disk or a permission problem).
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<Undo> {
  const temp = tempPathFor(path);
  try {
    const fh = await open(temp, 'wx', FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await publishNoReplace(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw fileSystemError(err, 'writing', path);
  }
  return () => rm(path, { force: true });
}
