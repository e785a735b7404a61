import { readdir } from 'node:fs/promises';

/** readdirOrEmpty lists the names in `dir`; a folder that does not exist is an empty list, other errors reject. */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
