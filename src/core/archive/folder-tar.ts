import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import type { Identity } from '../fs/identity.js';
import { OpsError } from '../errors.js';

/** What folderTar archives and how it reports trouble. */
export interface FolderTarOptions {
  /** Entries to leave out, as `./`-relative paths (`./SingletonLock`). */
  exclude?: ReadonlySet<string>;
  /** A file that changed or vanished while it was read; the archive goes on without it. */
  onWarning?: (message: string) => void;
  /** Read as this user (root backing up a user's folder): see asOwnerTar. */
  as?: Identity;
  /** Only these `./`-relative members (folders with what they hold); default the whole folder (`.`). */
  members?: readonly string[];
}

/**
 * folderTar streams `dir` as an uncompressed tar with `./`-relative entries (dotfiles, symlinks
 * as links, modes and times kept), so `tar -xzf <archive> -C <dir>` restores it by hand. A file
 * that vanishes or changes while read is reported through onWarning and skipped; a failure to
 * read the folder itself or any entry destroys the stream with an OpsError naming it (readError).
 */
export async function folderTar(dir: string, options: FolderTarOptions = {}): Promise<Readable> {
  if (options.as) return asOwnerTar(dir, options.as, options);
  const tar = await import('tar');
  const exclude = options.exclude ?? new Set<string>();
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const pack = tar.c(
    {
      cwd: dir,
      filter: (path: string) => !exclude.has(path),
      onwarn: (code: string, message: string | Error) => options.onWarning?.(`${code}: ${message instanceof Error ? message.message : message}`),
    },
    [...(options.members ?? ['.'])],
  );
  // An entry that cannot be read fails the whole backup naming it (issue 23 §5): a partial archive
  // would pass for a whole one and push real backups out of retention.
  pack.on('error', (err: unknown) => out.destroy(readError(dir, err as NodeJS.ErrnoException)));
  // The consumer attaches its listeners only after a few awaits; an error before that must not be
  // an unhandled 'error' (a stack trace, the temporary file and the lock left). The stream keeps
  // the error (out.errored), so the consumer's pipeline still rejects with it.
  out.on('error', () => undefined);
  // minipass honours the PassThrough's backpressure (write() false → wait for 'drain').
  pack.pipe(out);
  out.on('close', () => {
    if (!out.readableEnded) pack.destroy?.();
  });
  return out;
}

/**
 * readError turns an error reading an entry into an OpsError (exit 1) that names the entry and
 * says what to do: unreadable (permissions), a name that is not UTF-8 (Node reads names as UTF-8,
 * so such a file cannot be opened by its name), gone while it was read, or cut shorter while read.
 */
export function readError(dir: string, err: NodeJS.ErrnoException): OpsError {
  const path = err.path ?? dir;
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new OpsError(`Cannot read ${path} (permission denied); the backup of ${dir} was not written.`, {
      cause: err,
      hint: 'Something in the folder belongs to another user or has no read permission (often left by a `sudo` run of the app): fix its owner or mode (e.g. `sudo chown -R "$USER" <folder>`) and run the backup again.',
    });
  }
  if (err.code === 'ENOENT' && path.includes('\uFFFD')) {
    return new OpsError(`Cannot read ${path}: its name is not valid UTF-8 (shown with \uFFFD); the backup of ${dir} was not written.`, {
      cause: err,
      hint: 'Rename that file (e.g. `convmv` or `mv` with the original bytes), or run the backup as root, which reads the folder with GNU tar.',
    });
  }
  if (err.code === 'ENOENT') {
    return new OpsError(`${path} vanished while it was read; the backup of ${dir} was not written.`, {
      cause: err,
      hint: 'Another program is changing the folder: quit the app and run the backup again.',
    });
  }
  // node-tar reads the size lstat gave; a file cut shorter meanwhile (a program rewriting it) ends early.
  if (err.code === 'EOF') {
    return new OpsError(`${path} shrank while it was read (another program was writing it); the backup of ${dir} was not written.`, {
      cause: err,
      hint: 'Another program is changing the folder: quit the app and run the backup again.',
    });
  }
  return new OpsError(`Reading ${dir} failed: ${err.message}`, { cause: err });
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

/**
 * asOwnerTar streams `dir` as a tar read by GNU tar running as `who` (uid, gid, no other groups):
 * root reading a user's folder in-process would follow a link the user swaps in between a check
 * and an open (a file replaced by a link to /etc/shadow would land in the archive). As the user,
 * a link leads only to what the user could read anyway. Member names are `./`-relative like
 * folderTar's; GNU tar's exit 1 (a file changed while read) is a warning, anything worse
 * destroys the stream with an OpsError, so a partial archive is never taken for a whole one.
 */
function asOwnerTar(dir: string, who: Identity, options: FolderTarOptions): Readable {
  const excludes = [...(options.exclude ?? [])].map((p) => `--exclude=${p}`);
  // `--` so a member name never reads as an option.
  const child = spawn('tar', ['--create', '--file=-', '--numeric-owner', '--ignore-failed-read', '--anchored', ...excludes, `--directory=${dir}`, '--', ...(options.members ?? ['.'])], {
    cwd: '/',
    uid: who.uid,
    gid: who.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(new OpsError(`Reading ${dir} as uid ${who.uid} failed: ${err.message}`, { cause: err, hint: 'GNU tar must be on PATH to back up another user\'s folder as root.' })));
  child.on('close', (code) => {
    const lines = stderr.split('\n').filter(Boolean).map((l) => l.replace(/^tar: /, ''));
    // GNU tar with --ignore-failed-read reports an unreadable entry and goes on: that is a failure
    // naming it here (issue 23 §5), like the in-process reader; a file gone or changed mid-read is a warning.
    const denied = lines.filter((l) => /Permission denied|Operation not permitted/.test(l));
    if (denied.length > 0) {
      // Entries are reported relative to the folder; the folder itself (unreachable as its owner) absolute.
      const paths = denied.map((l) => l.split(': ')[0]!).map((p) => (p.startsWith('/') ? p : `${dir}/${p.replace(/^\.\//, '')}`));
      out.destroy(
        new OpsError(`Cannot read ${paths.join(', ')} as uid ${who.uid} (permission denied); the backup of ${dir} was not written.`, {
          hint: 'Something in the folder belongs to another user or has no read permission for its owner (often left by a `sudo` run of the app): fix its owner or mode (e.g. `sudo chown -R <owner> <folder>`) and run the backup again.',
        }),
      );
      return;
    }
    if (code === 0 || code === 1) {
      for (const line of lines) options.onWarning?.(line);
      out.end();
    } else out.destroy(new OpsError(`Reading ${dir} as uid ${who.uid} failed (tar exit ${code}): ${lines.filter((l) => !l.startsWith('Exiting with failure')).at(-1) ?? ''}`));
  });
  out.on('error', () => undefined);
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return out;
}
