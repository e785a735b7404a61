import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { OpsError } from '../errors.js';

/** What folderTar archives and how it reports trouble. */
export interface FolderTarOptions {
  /** Entries to leave out, as `./`-relative paths (`./SingletonLock`). */
  exclude?: ReadonlySet<string>;
  /** A file that changed or vanished while it was read; the archive goes on without it. */
  onWarning?: (message: string) => void;
}

/**
 * folderTar streams `dir` as an uncompressed tar with `./`-relative entries (dotfiles, symlinks
 * as links, modes and times kept), so `tar -xzf <archive> -C <dir>` restores it by hand. A file
 * that vanishes or changes while read is reported through onWarning and skipped; a failure to
 * read the folder itself destroys the stream with an OpsError.
 */
export async function folderTar(dir: string, options: FolderTarOptions = {}): Promise<Readable> {
  const tar = await import('tar');
  const exclude = options.exclude ?? new Set<string>();
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const pack = tar.c(
    {
      cwd: dir,
      filter: (path: string) => !exclude.has(path),
      onwarn: (code: string, message: string | Error) => options.onWarning?.(`${code}: ${message instanceof Error ? message.message : message}`),
    },
    ['.'],
  );
  pack.on('error', (err: unknown) => out.destroy(new OpsError(`Reading ${dir} failed: ${(err as Error).message}`, { cause: err })));
  // minipass honours the PassThrough's backpressure (write() false → wait for 'drain').
  pack.pipe(out);
  out.on('close', () => {
    if (!out.readableEnded) pack.destroy?.();
  });
  return out;
}

/**
 * folderSize adds up the sizes of the regular files under `dir` (symlinks not followed), for a
 * progress estimate; unreadable entries count as 0 and never fail it.
 */
export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(path);
    else if (entry.isFile()) total += (await lstat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
