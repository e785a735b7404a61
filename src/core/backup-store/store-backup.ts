import type { Readable } from 'node:stream';
import { sidecarLine } from '../archive/checksum.js';
import type { ArchiveEncryption, ArchiveKey } from '../archive/archive-encryption.js';
import type { ParallelGzipOptions } from '../archive/parallel-gzip.js';
import type { ArchiveListing } from '../archive/read-archive.js';
import { writeArchive, type WrittenArchive } from '../archive/write-archive.js';
import type { ProgressSink } from '../run/progress.js';
import type { LockTargets } from '../run/target-lock.js';
import { applyRetention, type RetentionResult } from './apply-retention.js';
import { buildManifest, type BackupManifest, type ManifestFacts } from './manifest.js';
import { archivePath } from './naming.js';
import { hasRetention, KEPT_AS_FUTURE, type RetentionPolicy } from './prune.js';
import { exists } from '../fs/exists.js';

/** The narrow logger the backup use-cases write to (pino fits). */
export interface BackupLog {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Dependencies every use case that stores a backup shares (backup, and restore's safety copy). */
export interface BackupDeps {
  log: BackupLog;
  signal?: AbortSignal;
  now: () => Date;
  hostname: string;
  toolVersion: string;
  /** Folder of the per-target lock files (machine-wide: see opsLockDir). */
  lockDir: string;
  /** Lock names keyed by what they protect (target-lock.ts); `falkordb`/`userdata` when absent (tests). */
  locks?: LockTargets;
  progress?: ProgressSink;
  /** Encrypt what this run writes with age (issue 21); restore sets it for its safety copy only when `archiveKey` can open it. */
  encryption?: ArchiveEncryption;
  /** Identities for reading age-encrypted archives (restore, verify). */
  archiveKey?: ArchiveKey;
}

/** What storeBackup needs beyond the manifest facts. */
export interface StoreBackupOptions {
  dir: string;
  facts: ManifestFacts;
  source: Readable;
  policy: RetentionPolicy;
  now: () => Date;
  log: BackupLog;
  signal?: AbortSignal;
  /** Compression; default level 1 (BACKUP_GZIP). */
  gzip?: ParallelGzipOptions;
  onProgress?: (bytesIn: number) => void;
  /** Called once the source has been read completely (before compression and read-back finish). */
  onSourceEnd?: () => void;
  /** Judges the verified content before it is kept (e.g. "holds dump.rdb"); throw to refuse it. */
  inspect?: (listing: ArchiveListing) => void | Promise<void>;
  /** Encrypt with age (issue 21): the archive is written as `.tar.gz.age`. */
  encryption?: ArchiveEncryption;
}

/** A stored backup: the archive as written, its manifest, and what retention did afterwards. */
export interface StoredBackup {
  written: WrittenArchive;
  manifest: BackupManifest;
  retention?: RetentionResult;
}

// Deflate level of backups. Level 1 against gzip's default 6 on the reference volume (465 MB, bench
// data): 5.8-6.1 s against 7.3-8.0 s, 3.5 s of CPU against 6.3 s, for an archive 1.5 % larger
// (AOF text 0.26 of its size against 0.23; the RDB part does not compress at either level).
const BACKUP_GZIP: ParallelGzipOptions = { level: 1 };


/**
 * freeArchivePath returns the archive path for `at`, moved on by a second at a time while that
 * name (or one of its sidecars) is taken, so two backups in one second never collide.
 */
export async function freeArchivePath(dir: string, facts: Pick<ManifestFacts, 'kind' | 'createdAt' | 'label'>, encrypted = false): Promise<string> {
  for (let offset = 0; ; offset += 1000) {
    const at = new Date(facts.createdAt.getTime() + offset);
    const path = archivePath(dir, facts.kind, at, encrypted, facts.label);
    // Either form of the name counts as taken: a stamp names one backup, encrypted or not.
    const names = [archivePath(dir, facts.kind, at, false, facts.label), archivePath(dir, facts.kind, at, true, facts.label)].flatMap((p) => [p, `${p}.sha256`, `${p}.manifest.json`]);
    const taken = await Promise.all(names.map(exists));
    if (!taken.some(Boolean)) return path;
  }
}

/**
 * storeBackup writes the tar stream as `<dir>/<kind prefix><UTC stamp>.tar.gz` (`.tar.gz.age`,
 * encrypted on the fly, with `encryption`) with writeArchive
 * (atomic, 0600, read back and checked before it is published) together with its `.sha256` and
 * `.manifest.json`, then applies the retention policy to that kind. It rejects as writeArchive
 * does, leaving nothing behind; a retention failure is logged and reported in `retention`,
 * never thrown, because it does not make the new backup any less good.
 */
export async function storeBackup(options: StoreBackupOptions): Promise<StoredBackup> {
  const path = await freeArchivePath(options.dir, options.facts, options.encryption !== undefined);
  options.log.info(`Writing ${path}.`);
  options.source.once('end', () => {
    options.onSourceEnd?.();
    options.log.info('All data read; finishing the archive and its checks.');
  });
  let manifest: BackupManifest | undefined;
  const written = await writeArchive({
    path,
    encryption: options.encryption,
    source: options.source,
    signal: options.signal,
    gzip: options.gzip ?? BACKUP_GZIP,
    onProgress: options.onProgress,
    inspect: options.inspect,
    sidecars: (w) => {
      manifest = buildManifest(options.facts, w);
      return { '.sha256': sidecarLine(w.sha256, path), '.manifest.json': `${JSON.stringify(manifest, null, 2)}\n` };
    },
  });
  const stored: StoredBackup = { written, manifest: manifest! };
  if (!hasRetention(options.policy)) return stored;
  try {
    stored.retention = await applyRetention({ dir: options.dir, kind: options.facts.kind, label: options.facts.label, policy: options.policy, now: options.now(), keep: written.path });
    const removed = stored.retention.decisions.filter((d) => d.action === 'remove').length;
    if (removed > 0) options.log.info(`Retention removed ${removed} old ${options.facts.kind} backup(s) and their sidecars.`);
    for (const f of stored.retention.failures) options.log.warn(`Retention could not remove ${f.path}: ${f.message}`);
    for (const d of stored.retention.decisions.filter((x) => x.reason === KEPT_AS_FUTURE)) {
      options.log.warn(`Retention kept ${d.path} without counting it: it is dated ${d.createdAt?.toISOString() ?? '?'}, in the future (clock skew, or a file copied from elsewhere). Check the clock and that file.`);
    }
  } catch (err) {
    options.log.warn(`Retention was skipped: ${(err as Error).message}`);
  }
  return stored;
}
