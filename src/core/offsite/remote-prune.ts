import { planPrune, type RetentionPolicy } from '../backup-store/prune.js';
import type { BackupKind } from '../backup-store/naming.js';
import type { BackupRecord } from '../backup-store/catalog.js';
import type { LockLog } from '../run/lock.js';
import { lockPrefix } from './prefix-lock.js';
import { parseRemoteArchiveName } from './remote-keys.js';
import { listRemoteBackups, type RemoteBackup } from './remote-list.js';
import { describeLocation, type S3Location } from './s3-url.js';
import type { ObjectStore } from './store.js';

/** One remote archive's fate: kept (why), removed, or locked (kept by object lock: reported, not an error). */
export interface RemotePruneDecision {
  kind: string;
  url: string;
  action: 'keep' | 'remove' | 'removed' | 'locked';
  reason: string;
  createdAt: string;
  /** The objects removal covers: the archive, then its sidecars. */
  keys: string[];
}

export interface RemotePruneReport {
  location: string;
  dryRun: boolean;
  decisions: RemotePruneDecision[];
}

export interface RemotePruneDeps {
  store: ObjectStore;
  location: S3Location;
  lockDir: string;
  command: string;
  waitSeconds?: number;
  log: LockLog;
  signal?: AbortSignal;
  now?: () => Date;
}

// The local planner decides; a remote archive is handed to it as a record of the same shape.
function asRecord(r: RemoteBackup): BackupRecord {
  return {
    kind: r.kind as BackupKind,
    archive: r.key,
    bytes: r.bytes,
    createdAt: parseRemoteArchiveName(r.name)?.stampedAt ?? new Date(r.createdAt),
    createdAtSource: 'manifest',
    hasSidecar: r.hasSidecar,
    hasManifest: r.hasManifest,
    encrypted: parseRemoteArchiveName(r.name)?.encrypted ?? false,
  };
}

/**
 * pruneRemote applies the local retention policy to the remote archives, each kind separately
 * (never the newest, never fewer than keepMin), under the prefix lock. With `dryRun` it only
 * plans. An archive under object lock (retention in the future, legal hold, or a delete the
 * store refuses) is reported as `locked`, its sidecars untouched.
 */
export async function pruneRemote(policy: RetentionPolicy, options: { dryRun: boolean }, deps: RemotePruneDeps): Promise<RemotePruneReport> {
  const now = deps.now ?? (() => new Date());
  const lock = await lockPrefix({ dir: deps.lockDir, location: deps.location, command: deps.command, waitSeconds: deps.waitSeconds, signal: deps.signal, log: deps.log });
  try {
    const remote = await listRemoteBackups(deps.store, deps.location, { signal: deps.signal });
    const byKey = new Map(remote.map((r) => [r.key, r]));
    const kinds = [...new Set(remote.map((r) => r.kind))].sort();
    const decisions: RemotePruneDecision[] = [];
    for (const kind of kinds) {
      const records = remote.filter((r) => r.kind === kind).map(asRecord).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      for (const d of planPrune(records, policy, now())) {
        const r = byKey.get(d.path)!;
        const keys = d.files;
        const base = { kind, url: r.url, createdAt: r.createdAt, keys };
        if (d.action === 'keep') {
          decisions.push({ ...base, action: 'keep', reason: d.reason });
          continue;
        }
        const lockedUntil = r.retainUntil && Date.parse(r.retainUntil) > now().getTime() ? r.retainUntil : undefined;
        if (lockedUntil || r.legalHold) {
          decisions.push({ ...base, action: 'locked', reason: `${d.reason}, but kept by object lock ${lockedUntil ? `until ${lockedUntil}` : '(legal hold)'}` });
          continue;
        }
        if (options.dryRun) {
          decisions.push({ ...base, action: 'remove', reason: d.reason });
          continue;
        }
        const first = await deps.store.remove(keys[0]!, deps.signal);
        if (!first.removed) {
          decisions.push({ ...base, action: 'locked', reason: `${d.reason}, but kept by ${first.locked}` });
          continue;
        }
        for (const k of keys.slice(1)) await deps.store.remove(k, deps.signal);
        decisions.push({ ...base, action: 'removed', reason: d.reason });
      }
    }
    return { location: describeLocation(deps.location), dryRun: options.dryRun, decisions };
  } finally {
    await lock.release();
  }
}
