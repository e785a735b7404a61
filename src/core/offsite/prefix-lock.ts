import { createHash } from 'node:crypto';
import { acquireLock, type Lock, type LockLog } from '../run/lock.js';
import { describeLocation, type S3Location } from './s3-url.js';

/**
 * lockPrefix takes the lock of one remote prefix (bucket + prefix), so no two pushes or prunes
 * run on it at once from this machine. The target is a digest: bucket names may hold dots and
 * prefixes slashes, and the lock file name must be plain.
 */
export function lockPrefix(options: { dir: string; location: S3Location; command: string; waitSeconds?: number; signal?: AbortSignal; log?: LockLog }): Promise<Lock> {
  const digest = createHash('sha256').update(describeLocation(options.location)).digest('hex').slice(0, 16);
  return acquireLock({
    dir: options.dir,
    target: `s3-${digest}`,
    command: `${options.command} (${describeLocation(options.location)})`,
    waitSeconds: options.waitSeconds ?? 0,
    signal: options.signal,
    log: options.log,
  });
}
