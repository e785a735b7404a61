import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** isExecutableFile tells whether `file` is a regular file (after symlinks) this process may execute; never throws. */
export async function isExecutableFile(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => stat(file).then((s) => s.isFile(), () => false),
    () => false,
  );
}

/** which finds `name` in the PATH folders as the shell would (the first executable file), or undefined. */
export async function which(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    if (await isExecutableFile(file)) return file;
  }
  return undefined;
}
