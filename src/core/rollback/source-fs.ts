import { randomBytes } from 'node:crypto';
import { closeSync, constants, cpSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Identity } from '../fs/identity.js';
import { OpsError } from '../errors.js';
import { asOwnerSync } from '../fs/as-owner.js';
import { fsyncDir } from '../fs/write-file-atomic.js';

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

/**
 * sourceFsAs is the real SourceFs. Every operation is synchronous and, with `as` (root rolling
 * back a user's folder), runs as that user (asOwnerSync), so a link the user plants leads only
 * where the user could write anyway. Files are read and the journal written without following a
 * final symlink (O_NOFOLLOW).
 */
export function sourceFsAs(as?: Identity): SourceFs {
  const run = async <T>(fn: () => T): Promise<T> => asOwnerSync(as, fn);
  return {
    kind: (path) =>
      run(() => {
        try {
          const st = lstatSync(path);
          return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
        } catch (err) {
          if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return undefined;
          throw err;
        }
      }),
    readText: (path) =>
      run(() => {
        let fd: number;
        try {
          fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        } catch (err) {
          if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR' || errno(err) === 'EISDIR') return undefined;
          if (errno(err) === 'ELOOP') throw new OpsError(`Refusing to read ${path}: it is a symlink.`, { hint: 'Move it away and check the folder by hand.' });
          throw err;
        }
        try {
          if (!fstatSync(fd).isFile()) return undefined;
          return readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      }),
    readdir: (path) => run(() => readdirSync(path)),
    mkdirPrivate: (path) => run(() => void mkdirSync(path, { recursive: true, mode: 0o700 })),
    copy: (from, to) => run(() => cpSync(from, to, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: true, verbatimSymlinks: true })),
    rename: (from, to) => run(() => renameSync(from, to)),
    remove: (path) => run(() => rmSync(path, { recursive: true, force: true })),
    writeDurable: (path, text) =>
      run(() => {
        // Written whole beside it and renamed over it (a rename replaces a planted link, never
        // follows it); the temporary file is created new (O_EXCL), so no link is written through.
        const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
        const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          writeFileSync(fd, text);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        try {
          renameSync(tmp, path);
        } catch (err) {
          rmSync(tmp, { force: true });
          throw err;
        }
      }),
    syncDir: (path) => fsyncDir(path),
  };
}

/** nodeSourceFs is the real SourceFs acting as this process. */
export const nodeSourceFs: SourceFs = sourceFsAs(undefined);
