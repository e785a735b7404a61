import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OpsError } from '../errors.js';
import { fsyncDir } from '../archive/atomic-file.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
};

/**
 * replaceFileAtomic gives `path` the content `text` all at once: it writes a hidden temporary file
 * beside it, fsyncs it, gives it the old file's mode (a new lock gets 0644 less the umask: locks are
 * committed and read by everyone), renames it over `path` and fsyncs the folder. A reader sees the
 * old lock or the new one, never a mix. On failure the temporary file is removed, `path` is left
 * byte-identical, and a full disk, a permission problem or a read-only file system is reported as
 * an OpsError (exit 1) in words; other errors pass through.
 */
export async function replaceFileAtomic(path: string, text: string): Promise<void> {
  // Same folder, so the rename is atomic; hidden, so nobody mistakes it for a lock.
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dirname(path), { recursive: true });
    const oldMode = await stat(path).then((s) => s.mode & 0o7777, () => undefined);
    const fh = await open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (oldMode !== undefined) await chmod(temp, oldMode);
    await rename(temp, path);
    await fsyncDir(dirname(path));
  } catch (err) {
    await rm(temp, { force: true });
    const reason = REASONS[(err as NodeJS.ErrnoException).code ?? ''];
    if (!reason) throw err;
    throw new OpsError(`Could not write ${path}: ${reason}.`, {
      cause: err,
      hint: `Fix that in ${dirname(path)} and rerun; the lock files not yet written were left as they were.`,
    });
  }
}
