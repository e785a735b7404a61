import { readFile, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';
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
    async replace(bytes) {
      // As root the write goes by path (temporary file beside the link's target, rename): the
      // folder of the link and that of its target must be root's alone, or a user could redirect it.
      assertSafeOutputDir(dirname(path), 'the folder of the root .env');
      const real = await realpath(path).catch(() => path);
      if (real !== path) assertSafeOutputDir(dirname(real), `the folder of ${real} (the root .env links there)`);
      return writeFileAtomic(path, bytes, { replace: true, mode: 0o600, hint: `Fix that in ${dirname(path)} and rerun; the .env was left as it was.` });
    },
  };
}
