import { stat } from 'node:fs/promises';

/**
 * exists is true when something is at `path` (a symlink counts by its target); nothing there
 * (ENOENT, or a file where a folder was expected, ENOTDIR) is false, and any other error rejects:
 * a permission problem must not read as "absent".
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
