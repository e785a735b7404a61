import { cp, lstat, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { fsyncDir, writeFileAtomic } from '../fs/write-file-atomic.js';

/** The kind of entry at a path, or undefined when nothing is there. */
export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

/**
 * SourceFs is the narrow file-system port of `rollback source`: every change is a rename, a copy
 * into a private staging folder, or a removal of that staging folder. Tests wrap it to simulate a
 * crash between two steps. Methods reject with the Node error (code ENOENT, EXDEV, ...).
 */
export interface SourceFs {
  /** What is at `path` (symlinks are not followed); undefined when nothing is. */
  kind(path: string): Promise<EntryKind | undefined>;
  /** UTF-8 content of a file; undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  readdir(path: string): Promise<string[]>;
  mkdirPrivate(path: string): Promise<void>;
  /** Copies a file or folder tree; symlinks are copied as links, modes and times are kept; never overwrites. */
  copy(from: string, to: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a tree; nothing there is fine. */
  remove(path: string): Promise<void>;
  /** Writes a small file atomically (the journal), replacing any earlier one. */
  writeDurable(path: string, text: string): Promise<void>;
  /** Flushes a folder's entries so that renames in it survive a power cut. */
  syncDir(path: string): Promise<void>;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** nodeSourceFs is the real SourceFs over node:fs/promises. */
export const nodeSourceFs: SourceFs = {
  async kind(path) {
    try {
      const st = await lstat(path);
      return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  },
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR' || errno(err) === 'EISDIR') return undefined;
      throw err;
    }
  },
  readdir: (path) => readdir(path),
  mkdirPrivate: async (path) => {
    await mkdir(path, { recursive: true, mode: 0o700 });
  },
  copy: (from, to) => cp(from, to, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: true, verbatimSymlinks: true }),
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { recursive: true, force: true }),
  async writeDurable(path, text) {
    await writeFileAtomic(path, text, { replace: true });
  },
  syncDir: (path) => fsyncDir(path),
};
