import { lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// Lock names are predictable and the machine-wide folder is shared by every user, so a local user
// could hold a lock name with a process of their own and block root's cron runs forever (exit 11).
// A lock only protects something from those who could touch it: root honours a lock held by
// another user only when that user has a claim on the target (owns the folder, can use the Docker
// engine). The claim is registered where the lock name is computed (target-lock.ts), so every
// command taking that lock judges its holders the same way.

/** Who may hold a target's lock against a root run, besides root itself. */
export interface LockClaim {
  /** Who has a claim, in words, for the warning: "the owner of /home/a/Auto Codex". */
  readonly who: string;
  /** Whether the user `uid` (running `pid` on this host, when known) has a claim on the target. */
  allows(uid: number, pid?: number): boolean;
}

const claims = new Map<string, LockClaim>();

/** registerClaim records who has a claim on the target of the lock `name`. */
export function registerClaim(name: string, claim: LockClaim): void {
  claims.set(name, claim);
}

/** claimOf is the claim registered for a lock name; undefined: every holder is honoured. */
export function claimOf(name: string): LockClaim | undefined {
  return claims.get(name);
}

/** ownerOf is the owner of `path`, not following a link; the nearest existing folder above it when missing. */
function ownerOf(path: string): number | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      return lstatSync(p).uid;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/** folderClaim: the owner of the folder (or of the nearest existing folder above it) has a claim. */
export function folderClaim(path: string): LockClaim {
  return { who: `the owner of ${path}`, allows: (uid) => ownerOf(path) === uid };
}

/** The socket of a local engine (DOCKER_HOST unset or unix://); undefined for a remote one (tcp, ssh). */
export function engineSocket(engine: string): string | undefined {
  if (engine === 'local') return '/var/run/docker.sock';
  return engine.startsWith('unix://') ? engine.slice('unix://'.length) : undefined;
}

const lines = (path: string): string[] => {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch {
    return [];
  }
};

/**
 * groupsOf lists the groups of a user: those of its live process `pid` when that process is the
 * user's (/proc/<pid>/status), else the user database (primary group and /etc/group members).
 */
export function groupsOf(uid: number, pid?: number): Set<number> {
  if (pid !== undefined) {
    const status = lines(`/proc/${pid}/status`);
    const field = (name: string) => status.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim().split(/\s+/).filter(Boolean).map(Number) ?? [];
    if (field('Uid')[1] === uid) return new Set([...field('Gid'), ...field('Groups')]);
  }
  const user = lines('/etc/passwd').map((l) => l.split(':')).find((f) => Number(f[2]) === uid);
  if (!user) return new Set();
  const groups = new Set([Number(user[3])]);
  for (const f of lines('/etc/group').map((l) => l.split(':'))) if ((f[3] ?? '').split(',').includes(user[0]!)) groups.add(Number(f[2]));
  return groups;
}

/**
 * engineClaim: on a local engine, a user who can connect to its socket (its owner, a member of its
 * group, or anyone when it is world-writable) could run the same command, so has a claim; a remote
 * engine is reachable by every user of this machine, so every holder is honoured (undefined).
 */
export function engineClaim(engine: string): LockClaim | undefined {
  const socket = engineSocket(engine);
  if (!socket) return undefined;
  return {
    who: `a user of the Docker engine ${socket}`,
    allows(uid, pid) {
      let st;
      try {
        st = statSync(socket);
      } catch {
        return false;
      }
      return st.uid === uid || (st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && groupsOf(uid, pid).has(st.gid));
    },
  };
}
