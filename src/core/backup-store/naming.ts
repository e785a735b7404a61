import { join } from 'node:path';

/** The kinds of archive the tool writes and reads (CONTRACT "Files"). */
export type BackupKind = 'falkordb' | 'userdata' | 'falkordb-pre-restore' | 'userdata-pre-restore' | 'project' | 'project-pre-restore';

// Project archives carry the project's label in their name (`project_<label>_<stamp>`); the other
// kinds have a fixed prefix.
const PREFIX: Record<BackupKind, string> = {
  falkordb: 'falkordb_data_',
  userdata: 'userdata_',
  'falkordb-pre-restore': 'falkordb_pre_restore_',
  'userdata-pre-restore': 'userdata_pre_restore_',
  project: 'project_',
  'project-pre-restore': 'project_pre_restore_',
};

/** isProjectKind: the kinds whose archives are per project (named and retained by label). */
export function isProjectKind(kind: BackupKind): kind is 'project' | 'project-pre-restore' {
  return kind === 'project' || kind === 'project-pre-restore';
}

const NAME = /^(falkordb_data|userdata|falkordb_pre_restore|userdata_pre_restore)_(\d{8})_(\d{6})\.tar\.gz(\.age)?$/;

/** stamp formats a time as `YYYYmmdd_HHMMSS` in UTC. */
export function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/**
 * archivePath returns `<dir>/<prefix><YYYYmmdd_HHMMSS>.tar.gz` for a kind and time (UTC),
 * `.tar.gz.age` when encrypted; project kinds put the project's `label` before the stamp.
 */
export function archivePath(dir: string, kind: BackupKind, date: Date, encrypted = false, label?: string): string {
  const named = isProjectKind(kind) ? `${PREFIX[kind]}${label ?? 'project'}_` : PREFIX[kind];
  return join(dir, `${named}${stamp(date)}.tar.gz${encrypted ? '.age' : ''}`);
}

/**
 * parseArchiveName recognises our archive names, plain and age-encrypted (`.tar.gz.age`), and the
 * original scripts' (the same pattern in local time); the stamp is read as UTC, so treat it as approximate without a manifest.
 */
export function parseArchiveName(name: string): { kind: BackupKind; stampedAt: Date; encrypted: boolean; label?: string } | undefined {
  const pre = PROJECT_PRE_NAME.exec(name);
  if (pre && !pre[1]!.includes('_')) {
    const at = stampDate(pre[2]!, pre[3]!);
    return at ? { kind: 'project-pre-restore', stampedAt: at, encrypted: pre[4] !== undefined, label: pre[1]! } : undefined;
  }
  const project = parseProjectArchiveName(name);
  if (project) return { kind: 'project', stampedAt: project.stampedAt, encrypted: project.encrypted, label: project.label };
  const m = NAME.exec(name);
  if (!m) return undefined;
  const kind = (Object.entries(PREFIX).find(([, p]) => p === `${m[1]}_`)?.[0] ?? 'falkordb') as BackupKind;
  const [d, t] = [m[2]!, m[3]!];
  const at = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  return Number.isNaN(at.getTime()) ? undefined : { kind, stampedAt: at, encrypted: m[4] !== undefined };
}

/** projectLabel makes a project folder's basename filename-safe (CONTRACT "Files": `project_<name>_…`). */
export function projectLabel(folderName: string): string {
  return folderName.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[.-]+/, '') || 'project';
}

const PROJECT_NAME = /^project_(.+)_(\d{8})_(\d{6})\.tar\.gz(\.age)?$/;
const PROJECT_PRE_NAME = /^project_pre_restore_(.+)_(\d{8})_(\d{6})\.tar\.gz(\.age)?$/;

function stampDate(d: string, t: string): Date | undefined {
  const at = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** projectArchivePath returns `<dir>/project_<label>_<YYYYmmdd_HHMMSS>.tar.gz[.age]` (UTC). */
export function projectArchivePath(dir: string, label: string, date: Date, encrypted = false): string {
  return join(dir, `project_${label}_${stamp(date)}.tar.gz${encrypted ? '.age' : ''}`);
}

/** parseProjectArchiveName recognises project backup names (labels never contain `_`, so the split is unambiguous). */
export function parseProjectArchiveName(name: string): { label: string; stampedAt: Date; encrypted: boolean } | undefined {
  const m = PROJECT_NAME.exec(name);
  if (!m || m[1]!.includes('_')) return undefined;
  const [d, t] = [m[2]!, m[3]!];
  const at = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  return Number.isNaN(at.getTime()) ? undefined : { label: m[1]!, stampedAt: at, encrypted: m[4] !== undefined };
}
