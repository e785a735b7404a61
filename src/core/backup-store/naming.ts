import { join } from 'node:path';

/** The kinds of archive the tool writes and reads (CONTRACT "Files"). */
export type BackupKind = 'falkordb' | 'userdata' | 'falkordb-pre-restore' | 'userdata-pre-restore';

const PREFIX: Record<BackupKind, string> = {
  falkordb: 'falkordb_data_',
  userdata: 'userdata_',
  'falkordb-pre-restore': 'falkordb_pre_restore_',
  'userdata-pre-restore': 'userdata_pre_restore_',
};

const NAME = /^(falkordb_data|userdata|falkordb_pre_restore|userdata_pre_restore)_(\d{8})_(\d{6})\.tar\.gz$/;

/** stamp formats a time as `YYYYmmdd_HHMMSS` in UTC. */
export function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/** archiveName returns `<dir>/<prefix><YYYYmmdd_HHMMSS>.tar.gz` for a kind and time (UTC). */
export function archivePath(dir: string, kind: BackupKind, date: Date): string {
  return join(dir, `${PREFIX[kind]}${stamp(date)}.tar.gz`);
}

/**
 * parseArchiveName recognises our archive names (and the original scripts', which used the same
 * pattern in local time); the stamp is read as UTC, so treat it as approximate without a manifest.
 */
export function parseArchiveName(name: string): { kind: BackupKind; stampedAt: Date } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const kind = (Object.entries(PREFIX).find(([, p]) => p === `${m[1]}_`)?.[0] ?? 'falkordb') as BackupKind;
  const [d, t] = [m[2]!, m[3]!];
  const at = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  return Number.isNaN(at.getTime()) ? undefined : { kind, stampedAt: at };
}
