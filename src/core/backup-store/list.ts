import { readSidecar, sha256File } from '../archive/checksum.js';
import { throwIfAborted } from '../errors.js';
import { listBackups } from './catalog.js';
import { lastDrillOf, readDrillRecords, type DrillRecord } from './drill-records.js';
import { readManifest } from './manifest.js';
import { isFutureDated } from './future-dated.js';
import type { BackupKind } from './naming.js';

/** The kinds `backup list --kind` accepts, and the archive kinds each one covers. */
export const LIST_KINDS = {
  falkordb: ['falkordb'],
  userdata: ['userdata'],
  project: ['project'],
  'pre-restore': ['falkordb-pre-restore', 'userdata-pre-restore', 'project-pre-restore'],
} as const satisfies Record<string, readonly BackupKind[]>;

/** One row of `backup list` (CONTRACT `--json` shapes: kind, archive, createdAt, bytes, sha256?, verified?). */
export interface BackupListing {
  kind: BackupKind;
  archive: string;
  createdAt: string;
  ageSeconds: number;
  bytes: number;
  sha256?: string;
  /**
   * Without `check`: true when the manifest records a successful read-back after writing.
   * With `check`: whether the file's SHA-256 matches its sidecar now (false for an unreadable
   * sidecar; absent without one, see `sidecar`).
   */
  verified?: boolean;
  verifiedAt?: string;
  hasManifest: boolean;
  /** The `.sha256` sidecar: present and readable, absent (archives of the original scripts), or unreadable. */
  sidecar: 'ok' | 'missing' | 'invalid';
  /** An age-encrypted archive (`.tar.gz.age`); its sha256 is of the encrypted file. */
  encrypted: boolean;
  /** Set when the backup is dated in the future (clock skew or a foreign file): retention and freshness do not count it. */
  futureDated?: true;
  /** The newest `drill` of this archive (issue 17), when one was recorded. */
  lastDrill?: { at: string; ok: boolean };
}

/** What to list: the folders to look in (duplicates are read once), which kinds, and whether to re-hash. */
export interface ListOptions {
  dirs: readonly string[];
  kinds?: readonly BackupKind[];
  check?: boolean;
  now: Date;
  signal?: AbortSignal;
}

/**
 * listAllBackups lists the archives directly in each folder, newest first, with created-at
 * (manifest, else file time), age, size, the sidecar's digest and whether the archive was
 * verified (see BackupListing.verified). A missing folder lists nothing; an abort rejects with
 * InterruptedError.
 */
export async function listAllBackups(options: ListOptions): Promise<BackupListing[]> {
  const kinds = options.kinds ? new Set(options.kinds) : undefined;
  const rows: BackupListing[] = [];
  // Drills are recorded in the backup folder; an unreadable record file only hides the column.
  const drills: DrillRecord[] = [];
  for (const dir of new Set(options.dirs)) drills.push(...(await readDrillRecords(dir).catch(() => [])));
  for (const dir of new Set(options.dirs)) {
    for (const record of await listBackups(dir)) {
      if (kinds && !kinds.has(record.kind)) continue;
      throwIfAborted(options.signal);
      const [sidecar, manifest] = await Promise.all([readSidecar(record.archive), readManifest(record.archive)]);
      const sha256 = sidecar.state === 'ok' ? sidecar.sha256 : undefined;
      const verifiedAt = manifest.state === 'ok' ? manifest.manifest.verification?.verifiedAt : undefined;
      let verified: boolean | undefined = verifiedAt ? true : undefined;
      // Without a sidecar there is nothing to compare: "no sidecar", not a failed verification.
      if (options.check && sidecar.state === 'invalid') verified = false;
      else if (options.check && sha256 !== undefined) {
        const actual = await sha256File(record.archive, options.signal).catch((err: unknown) => {
          throwIfAborted(options.signal);
          throw err;
        });
        verified = actual === sha256;
      }
      rows.push({
        kind: record.kind,
        archive: record.archive,
        createdAt: record.createdAt.toISOString(),
        ageSeconds: Math.round((options.now.getTime() - record.createdAt.getTime()) / 1000),
        bytes: record.bytes,
        ...(sha256 ? { sha256 } : {}),
        ...(verified !== undefined ? { verified } : {}),
        ...(verifiedAt ? { verifiedAt } : {}),
        hasManifest: record.hasManifest,
        sidecar: sidecar.state,
        encrypted: record.encrypted,
        ...(isFutureDated(record.createdAt, options.now) ? { futureDated: true as const } : {}),
        ...drilled(drills, record.archive),
      });
    }
  }
  return rows.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

function drilled(drills: readonly DrillRecord[], archive: string): Pick<BackupListing, 'lastDrill'> {
  const last = lastDrillOf(drills, archive);
  return last ? { lastDrill: { at: last.at, ok: last.ok } } : {};
}
