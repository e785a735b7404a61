import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../fs/write-file-atomic.js';

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
  return {
    path,
    read,
    // A new .env gets 0600: it holds secrets.
    replace: (bytes) => writeFileAtomic(path, bytes, { replace: true, mode: 0o600, hint: `Fix that in ${dirname(path)} and rerun; the .env was left as it was.` }),
  };
}
