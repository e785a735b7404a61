import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { decryptionStages, type ArchiveEncryption, type ArchiveKey } from '../archive/archive-encryption.js';
import { READ_CHUNK } from '../archive/read-archive.js';
import { garbageReleaser } from '../archive/release-garbage.js';
import type { ProgressSink } from '../run/progress.js';
import type { ManifestFacts } from '../backup-store/manifest.js';
import { storeBackup, type BackupLog, type StoredBackup } from '../backup-store/store-backup.js';
import type { HelperContainer } from '../docker/helper-container.js';
import { exportVolume, importVolume, wipeVolume, type ArmedWipe, type VolumeStreamDocker } from '../docker/volume-stream.js';
import { OpsError, throwIfAborted } from '../errors.js';

// The one way this tool puts content into FalkorDB's volume, used for the archive being restored
// and, on failure, for the safety copy: wipe (dotfiles included), then stream the archive in.
// Gunzip runs here on the libuv pool while the engine untars (two cores busy, not one), and the
// bytes read are hashed on the way: what reaches the volume is what the checks approved, even if
// the file changed on disk after them.

const CHUNK = 1024 * 1024;

/** Where the volume is and which local images a helper may be made from (never pulled). */
export interface VolumeTarget {
  volume: string;
  helperImages: ReadonlyArray<string | undefined>;
}

/** An archive to put into the volume and the SHA-256 its bytes must have. */
export interface ArchiveSource {
  path: string;
  sha256: string;
  /** Decrypts an age-encrypted archive (`.tar.gz.age`); its absence there is exit 10. */
  key?: ArchiveKey;
  /** The archive held open since its checks (held-archive.ts): read through it, not the name. */
  handle?: FileHandle;
}

/** Undoes a replaced volume: puts its safety copy back (wipe + extract), ignoring any AbortSignal. */
export type PutBack = () => Promise<void>;

/**
 * replaceVolumeContent wipes the volume completely and extracts the archive into it through
 * helper containers made from a local image. It rejects with OpsError when the helper fails,
 * the archive cannot be read or decompressed, or the bytes sent do not hash to `sha256` (the file
 * changed after it was checked); with InterruptedError on abort. After the wipe has started, a
 * rejection leaves the volume partly written: the caller must put the safety copy back. With
 * `wipe`, that armed helper does the wiping (see armWipe) instead of a new one; `'moved-aside'`
 * skips the wipe (the current data was moved into a folder the archive does not touch); `helper`
 * is a created helper of the caller's to import through (kept; the caller removes it).
 */
export async function replaceVolumeContent(
  docker: VolumeStreamDocker,
  target: VolumeTarget,
  source: ArchiveSource,
  options: { signal?: AbortSignal; onProgress?: (bytesRead: number) => void; wipe?: ArmedWipe | 'moved-aside'; helper?: HelperContainer; onWiped?: () => Promise<void> } = {},
): Promise<void> {
  const { signal } = options;
  // 'moved-aside': the top of the volume holds only the restore's own folder (falkordb-aside.ts).
  if (options.wipe !== 'moved-aside') await (options.wipe ? options.wipe.go(signal) : wipeVolume(docker, { ...target, signal }));
  await options.onWiped?.();
  throwIfAborted(signal);
  const hash = createHash('sha256');
  let read = 0;
  const release = garbageReleaser();
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      read += chunk.length;
      release(chunk.length);
      options.onProgress?.(read);
      callback(null, chunk);
    },
  });
  const gunzip = createGunzip({ chunkSize: CHUNK });
  let ended = false;
  gunzip.once('end', () => (ended = true));
  // The callback form destroys every stage with the first error, so importVolume sees it on `gunzip`.
  // read-archive's piece size: extraction is where a restore peaks, and 1 MiB reads held 3-7 MB
  // more (GNU time %M, 3 runs each on the reference volume) without being faster.
  const decrypt = decryptionStages(source.path, source.key).stages;
  const file = source.handle ? source.handle.createReadStream({ start: 0, autoClose: false, highWaterMark: READ_CHUNK }) : createReadStream(source.path, { highWaterMark: READ_CHUNK });
  pipeline([file, tap, ...decrypt, gunzip], () => undefined);
  try {
    await importVolume(docker, { ...target, tar: gunzip, signal, ...(options.helper ? { helper: options.helper } : {}) });
    // The engine stops reading at the tar end marker; read the padding after it so the digest covers the whole file.
    if (!ended) {
      gunzip.resume();
      await once(gunzip, 'end');
    }
  } catch (error) {
    gunzip.destroy();
    if (error instanceof OpsError) throw error;
    throw new OpsError(`Extracting ${source.path} into volume ${target.volume} failed: ${(error as Error).message}`, { cause: error });
  }
  const actual = hash.digest('hex');
  if (actual !== source.sha256) {
    throw new OpsError(`The archive ${source.path} changed after it was checked (sha256 ${actual}, checked ${source.sha256}).`, {
      hint: 'Something is writing to the backup file; make sure nothing touches it and run the restore again.',
    });
  }
}

/** What takeSafetyCopy needs to write the pre-restore archive with the backup writer. */
export interface SafetyCopyOptions {
  dir: string;
  facts: Omit<ManifestFacts, 'kind'>;
  log: BackupLog;
  now: () => Date;
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Encrypt the copy (issue 21: only when `key`, an identity on this machine, can open it again). */
  encryption?: ArchiveEncryption;
  key?: ArchiveKey;
  /** Archive this folder at the top of the volume (the moved-aside data) instead of the whole volume. */
  subfolder?: string;
}

/**
 * takeSafetyCopy archives the volume's current content as `falkordb_pre_restore_<UTC stamp>.tar.gz`
 * with `.sha256` and `.manifest.json` through the backup writer (atomic, read back and verified
 * before it is published, so `backup list --kind pre-restore` shows it and it survives a crash of
 * this tool), and returns it with the undo that puts it back into the volume. Rejects as
 * storeBackup and exportVolume do, leaving no partial file; the volume is only read.
 */
export async function takeSafetyCopy(docker: VolumeStreamDocker, target: VolumeTarget, options: SafetyCopyOptions): Promise<{ stored: StoredBackup; putBack: PutBack }> {
  const source = await exportVolume(docker, { ...target, signal: options.signal, ...(options.subfolder ? { subfolder: options.subfolder } : {}) });
  // exportVolume destroys the stream on Ctrl-C; until the writer's pipeline listens, that error
  // would be uncaught and kill the process before the cleanup restarts the services.
  source.on('error', () => undefined);
  options.progress?.start();
  try {
    const stored = await storeBackup({
      dir: options.dir,
      facts: { ...options.facts, kind: 'falkordb-pre-restore' },
      source,
      // Never prune here: the safety copies are what an operator falls back on after an incident.
      policy: { keepMin: 1 },
      now: options.now,
      log: options.log,
      signal: options.signal,
      // Stored, not deflated: this copy is put back within minutes or deleted, and CPU time here is
      // restore time. On the reference volume level 1 cost 1-1.5 s of a 10 s restore to save only
      // the AOF's share of disk (bench); the copy is as large as the data, in plain gzip framing.
      gzip: { level: 0 },
      encryption: options.encryption,
      onProgress: (n) => options.progress?.update(n),
    });
    // Its removal ran alongside the archive's last writes. A helper left behind costs no data (the
    // next run removes it); the copy is good, so this is only said.
    await source.helperRemoved().catch((err: unknown) => options.log.warn(`The helper container that read volume ${target.volume} could not be removed (${(err as Error).message}); the next run removes it.`));
    const written = { path: stored.written.path, sha256: stored.written.sha256, key: options.key };
    return { stored, putBack: () => replaceVolumeContent(docker, target, written) };
  } finally {
    options.progress?.stop();
    source.destroy();
    // Also after a failure: the helper's removal (started at the end of the stream, or by destroy) is over before this returns.
    await source.helperRemoved().catch(() => undefined);
  }
}
