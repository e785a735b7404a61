import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * readTextNoFollow reads a regular file as UTF-8 without following a final symlink: as root in a
 * user's folder, a file the user swaps for a link (to /etc/shadow) is refused with ELOOP instead
 * of read. Anything but a regular file is refused with EINVAL. Errors reject as Node's.
 */
export async function readTextNoFollow(path: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    if (!(await fh.stat()).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
