import { chown, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, tempPathFor } from '../archive/atomic-file.js';

/** The root .env as bytes: read it, and replace it whole and atomically. */
export interface EnvStore {
  readonly path: string;
  /** The file's bytes, or undefined when it does not exist. */
  read(): Promise<Buffer | undefined>;
  /**
   * Replaces the file with `bytes` (temporary file beside it, fsync, rename, fsync of the folder),
   * keeping its mode and, where allowed, its owner; a new file gets mode 0600 because a .env holds
   * secrets. Returns the undo that puts the previous bytes back (or removes a file it created).
   */
  replace(bytes: Buffer): Promise<() => Promise<void>>;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * replaceFileAtomic gives `path` the content `bytes` all at once: a temporary file beside it,
 * fsynced, renamed over it, then the folder fsynced. The old file's mode (and owner, where
 * allowed) is kept; a new file gets 0600. A symlink is written through to its target. On failure
 * the temporary file is removed and the old file is untouched.
 */
export async function replaceFileAtomic(path: string, bytes: Buffer | string): Promise<void> {
  // Renaming over a symlink would replace the link with a file; write where it points.
  const target = await realpath(path).catch((err: unknown) => (errno(err) === 'ENOENT' ? path : Promise.reject(err)));
  const before = await stat(target).catch(() => undefined);
  const mode = before ? before.mode & 0o7777 : 0o600;
  const temp = tempPathFor(target);
  const fh = await open(temp, 'wx', mode);
  try {
    await fh.writeFile(bytes);
    // open() applies the umask; set the mode the old file had exactly.
    await fh.chmod(mode);
    if (before) await chown(temp, before.uid, before.gid).catch(() => undefined);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(temp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

/** fileEnvStore is the EnvStore of the file at `path`; a symlinked .env is written through to its target. */
export function fileEnvStore(path: string): EnvStore {
  const read = async () => {
    try {
      return await readFile(path);
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw err;
    }
  };
  const write = (bytes: Buffer) => replaceFileAtomic(path, bytes);
  return {
    path,
    read,
    async replace(bytes) {
      const previous = await read();
      await write(bytes);
      return previous === undefined ? () => rm(path, { force: true }) : () => write(previous);
    },
  };
}
