import type { RunSummary } from '../run/run-summary.js';
import type { Sample } from './metrics-file.js';

/** The newest backup of a kind, for the freshness series. */
export interface NewestBackup {
  kind: string;
  /** Project backups: the project's label (each project has its own newest backup). */
  project?: string;
  createdAt: Date;
}

const seconds = (d: Date) => Math.round(d.getTime() / 1000);

/**
 * runSamples turns one run into metric samples, labelled by command (`backup`) and kind
 * (`falkordb`; `healthcheck` uses its profile). Backup size, drill results and check counts come
 * from the details the command recorded; the newest backups from the backup folder.
 */
export function runSamples(s: RunSummary, newest: readonly NewestBackup[], now: Date): Sample[] {
  const [command = s.command, ...rest] = s.command.split(' ');
  const d = s.details;
  const kind = command === 'healthcheck' ? (typeof d.profile === 'string' ? d.profile : 'default') : rest.join(' ');
  const labels = { command, kind };
  const out: Sample[] = [
    { name: 'autocodex_ops_last_run_timestamp_seconds', labels, value: seconds(s.endedAt) },
    { name: 'autocodex_ops_last_run_duration_seconds', labels, value: s.durationMs / 1000 },
    { name: 'autocodex_ops_last_run_success', labels, value: s.outcome === 'ok' ? 1 : 0 },
    { name: 'autocodex_ops_last_run_exit_code', labels, value: s.exitCode },
  ];
  if (s.outcome === 'ok') out.push({ name: 'autocodex_ops_last_success_timestamp_seconds', labels, value: seconds(s.endedAt) });
  if (command === 'backup' && s.outcome === 'ok' && typeof d.bytes === 'number') {
    out.push({ name: 'autocodex_ops_backup_last_archive_bytes', labels: { kind: typeof d.kind === 'string' ? d.kind : kind }, value: d.bytes });
  }
  if (command === 'drill') {
    out.push({ name: 'autocodex_ops_drill_last_timestamp_seconds', labels: { kind }, value: seconds(s.endedAt) });
    out.push({ name: 'autocodex_ops_drill_last_success', labels: { kind }, value: s.outcome === 'ok' ? 1 : 0 });
  }
  const counts = d.summary as Record<string, unknown> | undefined;
  if (command === 'healthcheck' && counts && typeof counts === 'object') {
    for (const status of ['ok', 'warn', 'fail', 'skip']) {
      if (typeof counts[status] === 'number') out.push({ name: 'autocodex_ops_healthcheck_checks', labels: { profile: kind, status }, value: counts[status] as number });
    }
  }
  for (const b of newest) {
    const of: Record<string, string> = b.project === undefined ? { kind: b.kind } : { kind: b.kind, project: b.project };
    out.push({ name: 'autocodex_ops_backup_newest_timestamp_seconds', labels: of, value: seconds(b.createdAt) });
    out.push({ name: 'autocodex_ops_backup_newest_age_seconds', labels: of, value: Math.max(0, seconds(now) - seconds(b.createdAt)) });
  }
  return out;
}
