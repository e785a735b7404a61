import { basename } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { kindPrefix, parseRemoteArchiveName } from './remote-keys.js';
import type { S3Location } from './s3-url.js';
import type { ObjectStore } from './store.js';

/** One offsite backup (`backup list --remote`): name, size, time, sha256 and object-lock retention. */
export interface RemoteBackup {
  kind: string;
  name: string;
  key: string;
  url: string;
  bytes: number;
  /** When the store received it (LastModified). */
  createdAt: string;
  sha256?: string;
  /** Both sidecars are there (the checksum is pushed last: its presence marks a complete copy). */
  hasSidecar: boolean;
  hasManifest: boolean;
  retainUntil?: string;
  lockMode?: string;
  legalHold?: boolean;
}

/**
 * listRemoteBackups lists the archives under the location (of one kind, or all), newest first,
 * with a HeadObject each for the sha256 metadata and the retention. Objects that are not
 * archive names (sidecars, strangers) are left out.
 */
export async function listRemoteBackups(store: ObjectStore, location: S3Location, options: { kind?: string; signal?: AbortSignal } = {}): Promise<RemoteBackup[]> {
  const objects = await store.list(kindPrefix(location, options.kind), options.signal);
  const keys = new Set(objects.map((o) => o.key));
  const rows: RemoteBackup[] = [];
  for (const o of objects) {
    const name = basename(o.key);
    const parsed = parseRemoteArchiveName(name);
    if (!parsed || kindPrefix(location, parsed.kind) + name !== o.key) continue;
    throwIfAborted(options.signal);
    const head = await store.head(o.key, options.signal);
    rows.push({
      kind: parsed.kind,
      name,
      key: o.key,
      url: `s3://${store.bucket}/${o.key}`,
      bytes: o.bytes,
      createdAt: o.lastModified.toISOString(),
      ...(head?.sha256 ? { sha256: head.sha256 } : {}),
      hasSidecar: keys.has(`${o.key}.sha256`),
      hasManifest: keys.has(`${o.key}.manifest.json`),
      ...(head?.retainUntil ? { retainUntil: head.retainUntil.toISOString() } : {}),
      ...(head?.lockMode ? { lockMode: head.lockMode } : {}),
      ...(head?.legalHold ? { legalHold: true } : {}),
    });
  }
  // Newest first by the name's stamp (the backup's own time), then by upload time.
  return rows.sort((a, b) => (parseRemoteArchiveName(b.name)!.stampedAt.getTime() - parseRemoteArchiveName(a.name)!.stampedAt.getTime()) || b.createdAt.localeCompare(a.createdAt));
}
