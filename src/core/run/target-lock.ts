import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { engineClaim, folderClaim, registerClaim, type LockClaim } from './lock-claims.js';

// A lock is named for what it protects, not for the root a run started from: cron in
// /opt/auto-codex and an operator in $HOME restoring the same folder or volume must exclude each
// other. The name is readable (kind and a slug) and unique (a hash of the full key).

function keyed(kind: string, key: string, slug: string, claim: LockClaim | undefined): string {
  const safe = slug.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(-40);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const name = `${kind}-${safe ? `${safe}-` : ''}${hash}`;
  // Who may hold it against root (lock-claims.ts): judged wherever the lock is taken.
  if (claim) registerClaim(name, claim);
  return name;
}

/** engineKey names the Docker engine a run talks to: DOCKER_HOST, else the local engine. */
export function engineKey(env: Record<string, string | undefined>): string {
  return env.DOCKER_HOST || 'local';
}

/** falkordbLockTarget is the lock of one FalkorDB data volume on one engine (backup, restore, image rollback). */
export function falkordbLockTarget(engine: string, volume: string): string {
  return keyed('falkordb', `${engine}\0${volume}`, volume, engineClaim(engine));
}

/** userdataLockTarget is the lock of one userData folder, by its real path (symlinks and `..` resolved; as given when missing). */
export function userdataLockTarget(dir: string): string {
  let real = resolve(dir);
  try {
    real = realpathSync(real);
  } catch {
    // Not there yet (a restore onto a new machine): the path as given is what will be created.
  }
  return keyed('userdata', real, real.split('/').pop() ?? '', folderClaim(real));
}

/**
 * projectLockTarget is the lock of one project's `.auto-codex/` (backup and restore of that
 * project), by the project folder's real path, so two runs naming it differently still meet.
 */
export function projectLockTarget(projectDir: string): string {
  let real = resolve(projectDir);
  try {
    real = realpathSync(real);
  } catch {
    // A missing folder is never locked for long: the run reports it and moves on.
  }
  return keyed('project', real, real.split('/').pop() ?? '', folderClaim(real));
}

/** imagesLockTarget is the lock of one compose project's image tags on one engine. */
export function imagesLockTarget(engine: string, project: string): string {
  return keyed('images', `${engine}\0${project}`, project, engineClaim(engine));
}

/** The lock names of one configuration, computed once by the command layer. */
export interface LockTargets {
  falkordb: string;
  userdata: string;
}
