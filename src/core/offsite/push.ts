import { offsiteEncryptionRule } from '../archive/archive-encryption.js';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readSidecar, sha256File, sidecarLine } from '../archive/checksum.js';
import { OpsError, throwIfAborted, UsageError } from '../errors.js';
import type { LockLog } from '../run/lock.js';
import { lockPrefix } from './prefix-lock.js';
import { archiveKey, kindPrefix, parseRemoteArchiveName } from './remote-keys.js';
import { describeLocation, type S3Location } from './s3-url.js';
import { cleanStaleUploads } from './stale-uploads.js';
import type { ObjectStore, Retention } from './store.js';

/** What a push needs: the store, where, the lock folder, and the retention wanted. */
export interface PushDeps {
  store: ObjectStore;
  location: S3Location;
  lockDir: string;
  command: string;
  retain?: { days: number; mode: Retention['mode'] };
  requireEncryption?: boolean;
  waitSeconds?: number;
  log: LockLog & { info(msg: string): void };
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (archive: string, bytesSent: number, bytesTotal: number) => void;
}

/** One archive's outcome. */
export interface PushedArchive {
  archive: string;
  url: string;
  bytes: number;
  sha256: string;
  /** `uploaded`, or `present` when the same bytes were already there. */
  status: 'uploaded' | 'present';
  retainUntil?: string;
}

export interface PushResult {
  location: string;
  pushed: PushedArchive[];
  /** Keys whose unfinished uploads (left by killed runs) were aborted first. */
  abortedUploads: string[];
  warnings: string[];
}

interface Checked {
  archive: string;
  key: string;
  bytes: number;
  sha256: string;
  sidecar: string;
  manifest?: string;
  /** Set when the archive is not encrypted: logged before the upload. */
  plainWarning?: string;
}

// Every check runs before the first byte goes out: a bad archive stops the push with exit 2.
async function checkLocal(archive: string, deps: PushDeps): Promise<Checked> {
  const key = archiveKey(deps.location, archive);
  if (!key) throw new UsageError(`${archive} is not a backup archive name (falkordb_data_…, userdata_…, project_…, .tar.gz or .tar.gz.age).`);
  const st = await stat(archive).catch(() => undefined);
  if (!st?.isFile()) throw new UsageError(`${archive} does not exist or is not a file.`, { hint: 'List local backups with `autocodex-ops backup list`.' });
  // Issue 21: a plain archive is refused with AUTOCODEX_OPS_OFFSITE_REQUIRE_ENCRYPTION, else warned about.
  const plainWarning = offsiteEncryptionRule(archive, deps.requireEncryption === true);
  const actual = await sha256File(archive, deps.signal);
  const side = await readSidecar(archive);
  if (side.state === 'invalid') throw new UsageError(`${archive}.sha256 is ${side.reason}; not pushing an archive whose checksum cannot be trusted.`);
  if (side.state === 'ok' && side.sha256 !== actual) {
    throw new UsageError(`${archive} does not match its checksum (${archive}.sha256): not pushing a damaged archive.`, { hint: `Run \`autocodex-ops backup verify ${archive}\`.` });
  }
  // Archives of the original scripts had no sidecar: the remote copy gets one, computed now.
  const sidecar = side.state === 'ok' ? await readFile(`${archive}.sha256`, 'utf8') : sidecarLine(actual, archive);
  const manifest = await readFile(`${archive}.manifest.json`, 'utf8').catch(() => undefined);
  return { archive, key, bytes: st.size, sha256: actual, sidecar, ...(manifest !== undefined ? { manifest } : {}), ...(plainWarning ? { plainWarning } : {}) };
}

/**
 * pushArchives uploads each archive with its manifest and checksum to `<prefix>/<kind>/<name>`
 * under the prefix lock: stale multipart uploads are aborted first, each upload is verified by
 * size and sha256 (HeadObject), and the `.sha256` goes last, so its presence marks a complete copy.
 * An archive already there with the same sha256 is not sent again. Local files are only read.
 */
export async function pushArchives(archives: readonly string[], deps: PushDeps): Promise<PushResult> {
  const now = deps.now ?? (() => new Date());
  const checked: Checked[] = [];
  for (const a of archives) checked.push(await checkLocal(a, deps));
  const facts = await deps.store.probe(deps.signal);
  const warnings: string[] = checked.flatMap((c) => (c.plainWarning ? [c.plainWarning] : []));
  let retention: Retention | undefined;
  if (deps.retain && facts.objectLock) {
    retention = { mode: deps.retain.mode, until: new Date(now().getTime() + deps.retain.days * 86_400_000) };
  } else if (deps.retain) {
    warnings.push(
      `AUTOCODEX_OPS_S3_RETAIN_DAYS is set, but bucket ${deps.store.bucket} has no object lock: the offsite copies can be deleted with the same credentials. Create a bucket with object lock enabled to protect them.`,
    );
  }
  for (const w of warnings) deps.log.warn(w);
  const startedAt = now();
  const lock = await lockPrefix({ dir: deps.lockDir, location: deps.location, command: deps.command, waitSeconds: deps.waitSeconds, signal: deps.signal, log: deps.log });
  try {
    const abortedUploads = await cleanStaleUploads(deps.store, kindPrefix(deps.location), startedAt, deps.signal);
    if (abortedUploads.length > 0) deps.log.warn(`Aborted ${abortedUploads.length} unfinished upload(s) left by an earlier run: ${abortedUploads.join(', ')}.`);
    const pushed: PushedArchive[] = [];
    for (const c of checked) {
      throwIfAborted(deps.signal);
      const url = `s3://${deps.store.bucket}/${c.key}`;
      const existing = await deps.store.head(c.key, deps.signal);
      const sidecarThere = existing ? await deps.store.head(`${c.key}.sha256`, deps.signal) : undefined;
      if (existing && existing.bytes === c.bytes && existing.sha256 === c.sha256 && sidecarThere) {
        deps.log.info(`${basename(c.archive)} is already at ${url}.`);
        pushed.push({ archive: c.archive, url, bytes: c.bytes, sha256: c.sha256, status: 'present', ...(existing.retainUntil ? { retainUntil: existing.retainUntil.toISOString() } : {}) });
        continue;
      }
      deps.log.info(`Uploading ${basename(c.archive)} (${c.bytes} bytes) to ${url}.`);
      await deps.store.putFile(c.key, c.archive, { sha256: c.sha256, retention, signal: deps.signal, onProgress: (n) => deps.onProgress?.(c.archive, n, c.bytes) });
      if (c.manifest !== undefined) await deps.store.putText(`${c.key}.manifest.json`, c.manifest, { retention, signal: deps.signal });
      await deps.store.putText(`${c.key}.sha256`, c.sidecar, { retention, signal: deps.signal });
      pushed.push({ archive: c.archive, url, bytes: c.bytes, sha256: c.sha256, status: 'uploaded', ...(retention ? { retainUntil: retention.until.toISOString() } : {}) });
    }
    return { location: describeLocation(deps.location), pushed, abortedUploads, warnings };
  } finally {
    await lock.release();
  }
}

/** A local backup as the catalog lists it: enough to pick the newest per kind or the missing ones. */
export interface LocalBackup {
  archive: string;
  kind: string;
  createdAt: Date;
  /** A project archive's project label: each project counts as a kind of its own. */
  label?: string;
}

/** latestPerKind picks the newest backup of each kind, and of each project (pre-restore safety copies are never picked). */
export function latestPerKind(backups: readonly LocalBackup[]): string[] {
  const newest = new Map<string, LocalBackup>();
  for (const b of backups) {
    if (b.kind.endsWith('pre-restore')) continue;
    const key = b.label === undefined ? b.kind : `${b.kind}:${b.label}`;
    const seen = newest.get(key);
    if (!seen || b.createdAt > seen.createdAt) newest.set(key, b);
  }
  return [...newest.values()].map((b) => b.archive);
}

/** missingRemotely lists the local backups (no pre-restore copies) whose archive or checksum is absent at the location. */
export async function missingRemotely(backups: readonly LocalBackup[], store: ObjectStore, location: S3Location, signal?: AbortSignal): Promise<string[]> {
  const keys = new Set((await store.list(kindPrefix(location), signal)).map((o) => o.key));
  return backups
    .filter((b) => !b.kind.endsWith('pre-restore'))
    .filter((b) => {
      const key = archiveKey(location, b.archive);
      return key !== undefined && !(keys.has(key) && keys.has(`${key}.sha256`));
    })
    .map((b) => b.archive);
}

/** OffsiteFailure marks "local ok, offsite failed": the local backup is kept; exit 1 (CONTRACT second wave). */
export class OffsiteFailure extends OpsError {
  constructor(
    readonly archive: string,
    readonly reason: OpsError,
  ) {
    super(`The local backup ${archive} is complete and verified, but the offsite copy failed: ${reason.message}`, { hint: reason.hint, cause: reason });
  }
}
