import { basename } from 'node:path';
import { joinKey, type S3Location } from './s3-url.js';

// Remote layout (issue #20): `<prefix>/<kind>/<archive name>`, the archive's `.sha256` and
// `.manifest.json` beside it. The kind folder keeps retention per kind a plain listing.

/** The sidecars pushed and pulled with every archive; the checksum goes last, so its presence means "complete". */
export const SIDECARS = ['.manifest.json', '.sha256'] as const;

// falkordb_data_…, userdata_…, *_pre_restore_…, project_<name>_…; `.tar.gz` or an encrypted `.tar.gz.age`.
const ARCHIVE = /^(falkordb_data|userdata|falkordb_pre_restore|userdata_pre_restore|project_[A-Za-z0-9._-]+?)_(\d{8})_(\d{6})\.tar\.gz(\.age)?$/;

/** A remote kind: falkordb, userdata, falkordb-pre-restore, userdata-pre-restore, or project-<name>. */
export interface ArchiveName {
  kind: string;
  stampedAt: Date;
  encrypted: boolean;
}

/** parseRemoteArchiveName recognises every archive name the tool writes (plain or `.age`); undefined for anything else. */
export function parseRemoteArchiveName(name: string): ArchiveName | undefined {
  const m = ARCHIVE.exec(name);
  if (!m) return undefined;
  const base = m[1]!;
  const kind = base === 'falkordb_data' ? 'falkordb' : base.startsWith('project_') ? `project-${base.slice('project_'.length)}` : base.replaceAll('_', '-');
  const [d, t] = [m[2]!, m[3]!];
  const at = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  return Number.isNaN(at.getTime()) ? undefined : { kind, stampedAt: at, encrypted: m[4] !== undefined };
}

/** archiveKey is the object key of a local archive: `<prefix>/<kind>/<name>`; undefined when the name is not an archive name. */
export function archiveKey(loc: S3Location, archivePath: string): string | undefined {
  const name = basename(archivePath);
  const parsed = parseRemoteArchiveName(name);
  return parsed ? joinKey(loc.prefix, parsed.kind, name) : undefined;
}

/** kindPrefix is the listing prefix of the whole location (`<prefix>/`), or of one kind (`<prefix>/<kind>/`). */
export function kindPrefix(loc: S3Location, kind?: string): string {
  const p = joinKey(loc.prefix, kind ?? '');
  return p ? `${p}/` : '';
}
