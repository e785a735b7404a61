import { randomBytes } from 'node:crypto';
import { chown, link, lstat, mkdir, open, readFile, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OpsError } from '../errors.js';
import { assertSafeOutputDir } from './safe-output-dir.js';

// The one way this tool writes a file that must never be seen half-written (archives and their
// sidecars, lock files, the root .env, the audit head, the image history, the rollback journal):
// a hidden temporary file beside it, fsync, rename (or link, to never overwrite), fsync of the
// folder. CONTRACT "Files": backups, sidecars and safety copies are mode 0600 in folders of mode 0700.

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
export function fileSystemError(err: unknown, action: string, path: string, hint?: string): unknown {
  if (err instanceof OpsError) return err;
  const where = dirname(path);
  switch (errno(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new OpsError(`No space left on the device while ${action} ${path}; the partial file was removed.`, {
        cause: err,
        hint: hint ?? `Free space on the file system of ${where} (\`df -h ${where}\`), prune old backups (\`autocodex-ops backup prune --dry-run\`), or write elsewhere with --output-dir.`,
      });
    case 'EACCES':
    case 'EPERM':
      return new OpsError(`Permission denied while ${action} ${path}.`, { cause: err, hint: hint ?? `Check that this user can write to ${where}, or choose another --output-dir.` });
    case 'EROFS':
      return new OpsError(`The file system of ${where} is read-only; cannot finish ${action} ${path}.`, { cause: err, hint: hint ?? 'Choose a writable --output-dir.' });
    default:
      return err;
  }
}

/**
 * ensurePrivateDir creates `dir` (and parents) with mode 0700 when missing; an existing folder is
 * left as it is. As root, a folder another user could redirect is refused (safe-output-dir.ts),
 * before creating anything and again after (a user may have made the missing part meanwhile).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  assertSafeOutputDir(dir);
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw fileSystemError(err, 'creating the folder', dir);
  }
  assertSafeOutputDir(dir);
}

/**
 * tempPathFor names a temporary file beside `finalPath`: hidden, and never matching an archive
 * name, so catalogs and prune never see it; the same folder makes the final rename atomic.
 */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * parseTempName reads a name tempPathFor made back: the final name it stood for and the pid of
 * the run that wrote it (the leftover sweep removes those of dead runs); undefined for other names.
 */
export function parseTempName(name: string): { finalName: string; pid: number } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { finalName: m[1]!, pid: Number(m[2]) } : undefined;
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

/** How writeFileAtomic treats an existing file and what a new one looks like. */
export interface WriteFileAtomicOptions {
  /**
   * Overwrite an existing file: its mode and (where allowed) owner are kept, and a symlink is
   * written through to its target. Default false: an existing file is never overwritten.
   */
  replace?: boolean;
  /** Mode of a new file (less the umask); default 0600. */
  mode?: number;
  /** Give the file exactly `mode`, whatever the umask and the old file's mode (cron.d, node_exporter's textfiles). */
  forceMode?: boolean;
  /** Create missing parent folders first. */
  mkdir?: boolean;
  /**
   * With `replace`: never write through a symlink at `path` (as root, in a folder someone else
   * can write): an existing link is refused, and the rename replaces whatever name is there.
   */
  noFollow?: boolean;
  /** Hint of the OpsError for a full disk, a permission problem or a read-only file system (default: a backup's). */
  hint?: string;
}

/**
 * writeFileAtomic writes `data` to a temporary file beside `path`, fsyncs it and gives it its
 * final name (publishNoReplace by default; with `replace`, a rename over the old file), then
 * fsyncs the folder: a reader sees the old content or the new, never a mix. It returns the undo:
 * it removes a file it created, or puts back the bytes it replaced. On failure the temporary file
 * is removed, an existing file is left byte-identical, and the error says why (fileSystemError).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, options: WriteFileAtomicOptions = {}): Promise<Undo> {
  // Renaming over a symlink would replace the link with a file; write where it points.
  const target = options.replace && !options.noFollow ? await realpath(path).catch((err: unknown) => (errno(err) === 'ENOENT' ? path : Promise.reject(err))) : path;
  const temp = tempPathFor(target);
  let previous: { bytes: Buffer; mode: number } | undefined;
  try {
    if (options.mkdir) await mkdir(dirname(target), { recursive: true });
    if (options.noFollow && (await lstat(target).then((st) => st.isSymbolicLink(), () => false))) {
      throw new OpsError(`${path} is a symbolic link; it was not followed, and nothing was written.`, {
        hint: `Point the setting at the real file, or remove the link.`,
      });
    }
    const before = options.replace ? await stat(target).catch((err: unknown) => (errno(err) === 'ENOENT' ? undefined : Promise.reject(err))) : undefined;
    if (before) previous = { bytes: await readFile(target), mode: before.mode & 0o7777 };
    const fh = await open(temp, 'wx', options.mode ?? FILE_MODE);
    try {
      await fh.writeFile(data);
      // open() applied the umask; give the new file exactly the mode asked for, or the old one's.
      if (options.forceMode) await fh.chmod(options.mode ?? FILE_MODE);
      else if (before) await fh.chmod(previous!.mode);
      if (before) await chown(temp, before.uid, before.gid).catch(() => undefined);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.replace) {
      await rename(temp, target);
      await fsyncDir(dirname(target));
    } else {
      await publishNoReplace(temp, target);
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw fileSystemError(err, 'writing', path, options.hint);
  }
  if (!previous) return () => rm(target, { force: true });
  const old = previous;
  return async () => {
    await writeFileAtomic(target, old.bytes, { replace: true, mode: old.mode, hint: options.hint });
  };
}
