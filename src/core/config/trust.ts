import { openSync, closeSync, fstatSync, readFileSync, statSync, constants } from 'node:fs';
import { UsageError } from '../errors.js';
import { discoverRoot, type RootResult } from './root.js';

// Like git's safe.directory: this tool runs as root from cron and during incidents, and the .env
// files it reads choose where it connects (and sends AUTH), which image it runs and which folders
// it replaces. A file another user can write would let that user steer a root run.

/** Who may own the root and its .env files for this run. */
export interface TrustPolicy {
  /** The effective uid of this run. */
  uid: number;
  /** The effective gid of this run: a group-writable file of this group is as safe as the run itself. */
  gid: number;
  /** Owners besides the run's own uid and root: the owner of a root named explicitly (--root / AUTO_CODEX_ROOT). */
  owners: ReadonlySet<number>;
}

/** A root this run may read its settings from, and the policy its .env files are held to. */
export interface TrustedRoot extends RootResult {
  policy: TrustPolicy;
}

export interface TrustInput {
  flag?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  uid: number;
  gid: number;
}

const HOW_TO_TRUST = 'To trust this folder, name it explicitly with --root <dir> (or AUTO_CODEX_ROOT), or give it to this user or root (chown) and make it writable by its owner only (chmod go-w).';

/** whyUntrusted says why a file or folder with this owner and mode may not steer this run, or undefined when it may. */
export function whyUntrusted(st: { uid: number; gid: number; mode: number }, policy: TrustPolicy): string | undefined {
  if (st.uid !== policy.uid && st.uid !== 0 && !policy.owners.has(st.uid)) return `it is owned by uid ${st.uid}, not by this user (uid ${policy.uid}) or root`;
  if (st.mode & 0o002) return 'it is writable by every user';
  if (st.mode & 0o020 && st.gid !== 0 && st.gid !== policy.gid) return `it is writable by group ${st.gid}`;
  return undefined;
}

/**
 * resolveTrustedRoot finds the root (discoverRoot) and checks that this run may trust it. An
 * explicit root must exist (UsageError, exit 2, nothing created) and its owner is trusted; a
 * discovered root must be owned by this user or root and not writable by others (UsageError naming
 * it and how to trust it). A root that is only the working directory (nothing found) is used as it is.
 */
export function resolveTrustedRoot(input: TrustInput): TrustedRoot {
  const found = discoverRoot({ flag: input.flag, env: input.env, cwd: input.cwd, exists: (p) => statSafe(p) !== undefined });
  const base: TrustPolicy = { uid: input.uid, gid: input.gid, owners: new Set() };
  const st = statSafe(found.root);
  if (found.origin === 'flag' || found.origin === 'env') {
    const named = found.origin === 'flag' ? '--root' : 'AUTO_CODEX_ROOT';
    if (!st) throw new UsageError(`The root folder ${found.root} (from ${named}) does not exist; nothing was changed.`, { hint: `Check the path given with ${named}.` });
    if (!st.isDirectory()) throw new UsageError(`The root ${found.root} (from ${named}) is not a folder; nothing was changed.`, { hint: `Check the path given with ${named}.` });
    return { ...found, policy: { ...base, owners: new Set([st.uid]) } };
  }
  if (found.origin === 'discovered' && st) {
    const why = whyUntrusted(st, base);
    if (why) throw new UsageError(`Refusing the Auto-Codex root ${found.root} found above the working directory: ${why}, so its .env files could steer this run.`, { hint: HOW_TO_TRUST });
  }
  return { ...found, policy: base };
}

/**
 * readTrustedFile reads a .env file through one descriptor whose owner and mode are checked, so
 * the file read is the file checked. Undefined when it does not exist; UsageError (exit 2) naming
 * it when another user controls it; other errors reject as they are.
 */
export function readTrustedFile(path: string, policy: TrustPolicy): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`Refusing ${path}: it is not a regular file.`, { hint: 'Replace it with a regular .env file.' });
    const why = whyUntrusted(st, policy);
    if (why) throw new UsageError(`Refusing the settings file ${path}: ${why}, so it could steer this run.`, { hint: HOW_TO_TRUST.replace('this folder', 'its folder') });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** currentIds is this process's effective uid and gid (0/0 where the platform has none, e.g. Windows). */
export function currentIds(): { uid: number; gid: number } {
  return { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
}
