import type { BackupDeps, StoreBackupOptions } from '../backup-store/store-backup.js';
import type { BackupMode } from '../config/schema.js';
export type { BackupDeps } from '../backup-store/store-backup.js';
import type { BackupKind } from '../backup-store/naming.js';
import type { StoredBackup } from '../backup-store/store-backup.js';
import { KEPT_AS_FUTURE, removedWithReasons } from '../backup-store/prune.js';

/** CONTRACT `--json` for `backup falkordb|userdata`: kind, archive, sha256, bytes, mode?, durationMs, pruned, and more. */
export interface BackupResult {
  kind: BackupKind;
  archive: string;
  sha256: string;
  /** Bytes of the archive on disk. */
  bytes: number;
  mode?: BackupMode;
  durationMs: number;
  /** Every file retention deleted after this backup (archives and their sidecars). */
  pruned: string[];
  uncompressedBytes: number;
  entries: number;
  sidecars: string[];
  /** True for an age-encrypted archive (`.tar.gz.age`). */
  encrypted: boolean;
  warnings: string[];
  /** Each file retention deleted, with the reason its backup went (issue 23 §6: the audit record lists them). */
  prunedReasons?: Array<{ path: string; reason: string }>;
  /** Backups retention kept without counting them: dated in the future (clock skew or a foreign file). */
  futureDated?: string[];
  /** Retention failures: the backup is good, but these files could not be removed. */
  pruneFailures?: Array<{ path: string; message: string }>;
}

/** toBackupResult shapes a stored backup as the command's result; pure. */
export function toBackupResult(stored: StoredBackup, extra: { startedAt: Date; finishedAt: Date; mode?: BackupResult['mode']; warnings: string[] }): BackupResult {
  const { written } = stored;
  const failures = stored.retention?.failures ?? [];
  const decisions = stored.retention?.decisions ?? [];
  const prunedReasons = removedWithReasons(decisions, stored.retention?.removed ?? []);
  const futureDated = decisions.filter((d) => d.reason === KEPT_AS_FUTURE).map((d) => d.path);
  return {
    kind: stored.manifest.kind,
    archive: written.path,
    sha256: written.sha256,
    bytes: written.bytes,
    ...(extra.mode ? { mode: extra.mode } : {}),
    durationMs: extra.finishedAt.getTime() - extra.startedAt.getTime(),
    pruned: stored.retention?.removed ?? [],
    prunedReasons,
    ...(futureDated.length > 0 ? { futureDated } : {}),
    uncompressedBytes: written.tarBytes,
    entries: written.listing.entries.length,
    sidecars: written.sidecars,
    encrypted: written.encryption !== undefined,
    warnings: extra.warnings,
    ...(failures.length > 0 ? { pruneFailures: failures } : {}),
  };
}

/**
 * storeWiring is what every backup passes storeBackup from its deps the same way: the clock, the
 * log, the abort signal, and the progress line (stopped once the source has been read).
 */
export function storeWiring(deps: BackupDeps): Pick<StoreBackupOptions, 'now' | 'log' | 'signal' | 'onProgress' | 'onSourceEnd'> {
  return { now: deps.now, log: deps.log, signal: deps.signal, onProgress: (n) => deps.progress?.update(n), onSourceEnd: () => deps.progress?.stop() };
}
