import { constants, readFileSync, statSync } from 'node:fs';
import { lstat, mkdir, open, unlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { InterruptedError, LockHeldError, OpsError, throwIfAborted } from '../errors.js';
import { claimOf, type LockClaim } from './lock-claims.js';

/** Narrow logger: a pino logger fits, so does `{ warn: (m) => console.error(m) }`. */
export interface LockLog {
  warn(msg: string): void;
  info?(msg: string): void;
}

/** acquireLock options; `now`, `sleep`, `isProcessAlive`, `hostname`, `pid` are test seams. */
export interface AcquireLockOptions {
  /** Folder of the lock files; created (mode 0700) when missing. */
  dir: string;
  /** What is locked, e.g. `falkordb` or `userdata`: the file is `<dir>/<target>.lock`. */
  target: string;
  /** The command line shown to a second run, e.g. `backup falkordb`. */
  command: string;
  /** Poll this long for a held lock before giving up (default 0: fail at once). */
  waitSeconds?: number;
  pollMs?: number;
  /** A corrupt or empty lock file younger than this may be mid-write; older is stale (default 5000). */
  staleGraceMs?: number;
  signal?: AbortSignal;
  log?: LockLog;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  isProcessAlive?: (pid: number) => boolean;
  hostname?: string;
  pid?: number;
  /** This boot's id (Linux: /proc/sys/kernel/random/boot_id); undefined where there is none. */
  bootId?: string;
  /** When a process started (Linux: /proc/<pid>/stat field 22), to tell a reused pid from the holder. */
  processStart?: (pid: number) => string | undefined;
  /** Which user runs a process (Linux: the owner of /proc/<pid>), undefined when unknown. */
  processUid?: (pid: number) => number | undefined;
  /** This run's effective uid (default: the process's); as root, holders without a claim are not honoured. */
  uid?: number;
  /** Who may hold this lock against root (default: what target-lock.ts registered for `target`); null: everyone. */
  claim?: LockClaim | null;
}

/** A held lock; `release()` removes the file only while it is still ours, and never throws twice. */
export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string().min(1),
  startedAt: z.string(),
  command: z.string(),
  // Since issue 14: a pid and hostname are reused after a reboot or in a new container.
  boot: z.string().optional(),
  pidStart: z.string().optional(),
});

/** The JSON a lock file holds: who took the lock (pid, host), when (ISO time) and for what command. */
export type LockOwner = z.infer<typeof ownerSchema>;

type Seen =
  | { kind: 'missing' }
  | { kind: 'owned'; owner: LockOwner; raw: string; ino: number; mtimeMs: number; uid: number }
  | { kind: 'corrupt'; raw: string; ino: number; mtimeMs: number; uid: number };

/** isProcessAlive asks the kernel with signal 0; EPERM means the process exists under another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** bootId is this boot's id on Linux, undefined elsewhere. */
export function bootId(): string | undefined {
  return readOr('/proc/sys/kernel/random/boot_id');
}

/** processStart is the start time of `pid` in clock ticks since boot (Linux), undefined when unknown. */
export function processStart(pid: number): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime 22.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** processUid is the uid a live process runs as (the owner of its /proc entry), undefined when unknown. */
export function processUid(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

/**
 * forged tells whether a lock record names a process of another user than the file's owner: a run
 * writes its own pid into a file it creates, so a mismatch is a pid reused by someone else, or a
 * record another local user wrote (naming pid 1, say) to block root's runs in the shared folder.
 */
function forged(seen: { owner: LockOwner; uid: number }, uidOf: (pid: number) => number | undefined): boolean {
  const runner = uidOf(seen.owner.pid);
  return runner !== undefined && runner !== seen.uid;
}

/**
 * holderGone tells whether a lock record from this host is stale: taken in an earlier boot, or
 * its pid is dead, or the pid now belongs to a process that started at another time.
 */
function holderGone(owner: LockOwner, boot: string | undefined, alive: (pid: number) => boolean, startOf: (pid: number) => string | undefined): boolean {
  if (owner.boot && boot && owner.boot !== boot) return true;
  if (!alive(owner.pid)) return true;
  const start = owner.pidStart ? startOf(owner.pid) : undefined;
  return start !== undefined && start !== owner.pidStart;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;
const ignoreMissing = (err: unknown) => {
  if (code(err) !== 'ENOENT') throw err;
};
const parseJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};

// Content and inode come from one descriptor, so they describe the same file even if it is swapped.
// Never through a link, never blocking on a FIFO another user planted under the lock's name: a
// link or any file that is not a regular one is a damaged lock (raw '').
async function inspect(path: string): Promise<Seen> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (code(err) === 'ENOENT') return { kind: 'missing' };
    if (code(err) !== 'ELOOP') throw err;
    const st = await lstat(path).catch(ignoreMissing);
    return st ? { kind: 'corrupt', raw: '', ino: st.ino, mtimeMs: st.mtimeMs, uid: st.uid } : { kind: 'missing' };
  }
  try {
    const st = await fh.stat();
    const raw = st.isFile() ? await fh.readFile('utf8') : '';
    const result = ownerSchema.safeParse(parseJson(raw));
    return result.success
      ? { kind: 'owned', owner: result.data, raw, ino: st.ino, mtimeMs: st.mtimeMs, uid: st.uid }
      : { kind: 'corrupt', raw, ino: st.ino, mtimeMs: st.mtimeMs, uid: st.uid };
  } finally {
    await fh.close();
  }
}

async function tryCreate(path: string, owner: LockOwner): Promise<{ raw: string; ino: number } | undefined> {
  let fh;
  try {
    // Readable by all: in the shared folder a run of another user must be able to name the holder.
    fh = await open(path, 'wx', 0o644);
  } catch (err) {
    if (code(err) === 'EEXIST') return undefined;
    throw new OpsError(`Cannot create the lock file ${path}: ${(err as Error).message}`, {
      cause: err,
      hint: 'Check that the lock folder exists and is writable by this user.',
    });
  }
  const raw = `${JSON.stringify(owner)}\n`;
  try {
    await fh.writeFile(raw);
    await fh.sync();
    return { raw, ino: (await fh.stat()).ino };
  } catch (err) {
    await unlink(path).catch(() => {});
    throw err;
  } finally {
    await fh.close();
  }
}

/**
 * Removes a stale lock while holding `<lock>.takeover` (created with O_EXCL), and only if the file
 * is still the one judged stale (same inode and bytes). Only takeover holders ever delete a lock
 * file they do not own, one at a time, so a live run's lock is never removed and two runs never
 * both take over. Returns 'taken', 'gone' (someone else changed it first) or 'busy'.
 */
async function takeOver(path: string, seen: Exclude<Seen, { kind: 'missing' }>, now: number, unclaimed: (uid: number) => boolean): Promise<'taken' | 'gone' | 'busy'> {
  const mutex = `${path}.takeover`;
  let fh;
  try {
    fh = await open(mutex, 'wx', 0o600);
  } catch (err) {
    if (code(err) !== 'EEXIST') throw err;
    // A takeover takes milliseconds; a mutex this old was left by a run that died inside one. One
    // of a user without a claim (kept fresh to stall root) is not honoured either.
    const st = await lstat(mutex).catch(() => undefined);
    if (st && (now - st.mtimeMs > TAKEOVER_STALE_MS || unclaimed(st.uid))) await unlink(mutex).catch(ignoreMissing);
    return 'busy';
  }
  try {
    await fh.close();
    const current = await inspect(path);
    if (current.kind === 'missing' || current.ino !== seen.ino || current.raw !== seen.raw) return 'gone';
    await unlink(path).catch(ignoreMissing);
    return 'taken';
  } finally {
    await unlink(mutex).catch(ignoreMissing);
  }
}

const TAKEOVER_STALE_MS = 10_000;

function describe(seen: Exclude<Seen, { kind: 'missing' }>, now: number): string {
  if (seen.kind === 'corrupt') return 'a run that is still writing the lock file (or left it damaged)';
  const { pid, host, command, startedAt } = seen.owner;
  const ageS = Math.max(0, Math.round((now - Date.parse(startedAt)) / 1000));
  const age = Number.isFinite(ageS) ? `, ${ageS} s ago` : '';
  return `pid ${pid} on host ${host} running "${command}" since ${startedAt}${age}`;
}

const FOREIGN = ' It was taken on another host, so it is never treated as stale automatically.';

const defaultSleep = async (ms: number, signal?: AbortSignal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw new InterruptedError();
    throw err;
  }
};

/**
 * acquireLock takes the single-instance lock `<dir>/<target>.lock` (created with O_EXCL,
 * written, fsynced). If another live run holds it, it throws LockHeldError (exit 11) naming the
 * holder at once, or after polling `waitSeconds`. A lock left by a dead process on this host,
 * or a corrupt file older than `staleGraceMs`, is taken over with a warning; a lock from
 * another host is never treated as stale. As root, a lock of another user who has no claim on
 * the target (lock-claims.ts) is taken over with a warning, so nobody can block root's runs by
 * holding a predictable name. An abort throws InterruptedError.
 */
export async function acquireLock(options: AcquireLockOptions): Promise<Lock> {
  if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(options.target)) throw new TypeError(`Invalid lock target: ${options.target}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const alive = options.isProcessAlive ?? isProcessAlive;
  const host = options.hostname ?? osHostname();
  const boot = 'bootId' in options ? options.bootId : bootId();
  const startOf = options.processStart ?? processStart;
  const uidOf = options.processUid ?? processUid;
  const self = options.uid ?? process.geteuid?.() ?? -1;
  const claim = options.claim === undefined ? claimOf(options.target) : options.claim;
  // As root only: a file of a user other than root and this run, who has no claim on the target.
  const unclaimed = (uid: number, pid?: number) => self === 0 && claim !== null && claim !== undefined && uid !== 0 && uid !== self && !claim.allows(uid, pid);
  const path = join(options.dir, `${options.target}.lock`);
  const waitMs = (options.waitSeconds ?? 0) * 1000;
  const deadline = now() + waitMs;
  let announced = false;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });

  for (;;) {
    throwIfAborted(options.signal);
    const pid = options.pid ?? process.pid;
    const pidStart = startOf(pid);
    const owner: LockOwner = {
      pid,
      host,
      startedAt: new Date(now()).toISOString(),
      command: options.command,
      ...(boot ? { boot } : {}),
      ...(pidStart ? { pidStart } : {}),
    };
    const created = await tryCreate(path, owner);
    if (created) return makeLock(path, owner, created, options.log);

    const seen = await inspect(path);
    if (seen.kind === 'missing') continue;
    const local = seen.kind === 'owned' && seen.owner.host === host;
    const stale =
      seen.kind === 'corrupt'
        ? now() - seen.mtimeMs > (options.staleGraceMs ?? 5000)
        : local && (holderGone(seen.owner, boot, alive, startOf) || forged(seen, uidOf));
    const ignored = !stale && unclaimed(seen.uid, local ? (seen as { owner: LockOwner }).owner.pid : undefined);
    if (stale || ignored) {
      const outcome = await takeOver(path, seen, now(), (uid) => unclaimed(uid));
      if (outcome === 'busy') await sleep(10, options.signal);
      if (outcome === 'taken') {
        options.log?.warn(
          ignored
            ? `Ignored the ${options.target} lock ${path}: it is held by ${describe(seen, now())} as uid ${seen.uid}, a user with no claim on what it protects (only root and ${claim!.who} have one), so this root run does not wait for it.`
            : seen.kind === 'corrupt'
              ? `Removed a corrupt ${options.target} lock file (${path}) left by an earlier run.`
              : forged(seen, uidOf)
                ? `Took over the ${options.target} lock ${path}: it names ${describe(seen, now())}, a process of another user than the file's owner (uid ${seen.uid}), so no autocodex-ops run holds it.`
                : `Took over the ${options.target} lock from ${describe(seen, now())}: that process no longer exists (or the machine has restarted since).`,
        );
      }
      continue;
    }

    const holder = describe(seen, now());
    if (now() >= deadline) {
      const foreign = seen.kind === 'owned' && seen.owner.host !== host ? FOREIGN : '';
      const waited = waitMs > 0 ? ` after waiting ${options.waitSeconds} s` : '';
      throw new LockHeldError(`Another autocodex-ops run holds the ${options.target} lock${waited}: ${holder}.${foreign}`, {
        hint: `Wait for it to finish or rerun with --wait <seconds>; if you are sure that run is gone, remove ${path}.`,
      });
    }
    if (!announced) {
      announced = true;
      options.log?.info?.(`Waiting up to ${options.waitSeconds} s for the ${options.target} lock held by ${holder}.`);
    }
    await sleep(Math.min(options.pollMs ?? 500, deadline - now()), options.signal);
  }
}

function makeLock(path: string, owner: LockOwner, mine: { raw: string; ino: number }, log?: LockLog): Lock {
  let released = false;
  return {
    path,
    owner,
    async release() {
      if (released) return;
      released = true;
      const current = await inspect(path);
      if (current.kind === 'missing') {
        log?.warn(`The lock file ${path} was already gone when this run released it.`);
      } else if (current.ino === mine.ino && current.raw === mine.raw) {
        await unlink(path).catch(ignoreMissing);
      } else {
        log?.warn(`The lock file ${path} now belongs to another run; it was left in place.`);
      }
    },
  };
}
