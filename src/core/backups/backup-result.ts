import type { BackupDeps, StoreBackupOptions } from '../backup-store/store-backup.js';
import type { BackupMode } from '../config/schema.js';
export type { BackupDeps } from '../backup-store/store-backup.js';
import type { BackupKind } from '../backup-store/naming.js';
import type { StoredBackup } from '../backup-store/store-backup.js';

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
  /** Retention failures: the backup is good, but these files could not be removed. */
  pruneFailures?: Array<{ path: string; message: string }>;
}

/** toBackupResult shapes a stored backup as the command's result; pure. */
export function toBackupResult(stored: StoredBackup, extra: { startedAt: Date; finishedAt: Date; mode?: BackupResult['mode']; warnings: string[] }): BackupResult {
  const { written } = stored;
  const failures = stored.retention?.failures ?? [];
  return {
    kind: stored.manifest.kind,
    archive: written.path,
    sha256: written.sha256,
    bytes: written.bytes,
    ...(extra.mode ? { mode: extra.mode } : {}),
    durationMs: extra.finishedAt.getTime() - extra.startedAt.getTime(),
    pruned: stored.retention?.removed ?? [],
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
