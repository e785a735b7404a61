import { basename } from 'node:path';
import type { BackupResult } from '../core/backups/backup-result.js';
import type { BackupListing } from '../core/backup-store/list.js';
import { describeDecision } from '../core/backup-store/prune.js';
import type { PruneReport } from '../core/backups/run-prune.js';
import { formatBytes } from '../core/format-bytes.js';

/** renderBackup is the one summary line of a backup run. */
export function renderBackup(result: BackupResult & { offsite?: Record<string, unknown> }): string {
  const mode = result.mode ? ` (${result.mode} mode)` : '';
  const pruned = result.pruned.length > 0 ? `; retention removed ${result.pruned.length} file(s)` : '';
  return (
    `Backed up ${result.kind}${mode} to ${result.archive}: ${formatBytes(result.bytes)} ` +
    `(${formatBytes(result.uncompressedBytes)} uncompressed, ${result.entries} entries, verified) in ` +
    `${(result.durationMs / 1000).toFixed(1)} s; sha256 ${result.sha256.slice(0, 12)}… in ${basename(result.archive)}.sha256${pruned}.` +
    (result.offsite?.ok === true ? `\nOffsite copy: ${String(result.offsite.url)} (verified).` : '')
  );
}

function age(seconds: number): string {
  if (seconds < 0) return 'in the future';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** stateOf: the verification state of one row, in words; a missing sidecar is said as such, never as a failure. */
function stateOf(b: BackupListing, checked: boolean): string {
  if (b.sidecar === 'invalid') return 'SIDECAR UNREADABLE';
  if (b.verified === false) return 'CHECKSUM MISMATCH';
  if (b.verified === true) return checked ? 'checksum ok' : 'verified';
  return b.sidecar === 'missing' ? 'no sidecar' : 'not verified';
}

/** renderColumns pads each column to its widest cell (right-aligned where asked), header first. */
function renderColumns(header: string[], rows: string[][], right: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** lastDrill: when the archive was last drilled and how it went (issue 17). */
function lastDrill(b: BackupListing): string {
  if (b.lastDrill) return `${b.lastDrill.at.slice(0, 10)} ${b.lastDrill.ok ? 'ok' : 'FAILED'}`;
  return b.kind === 'falkordb' || b.kind === 'userdata' ? 'never' : '-';
}

/** renderBackupList is `backup list`: a header row, then newest first: created-at, age, size, kind, state (and OFFSITE when configured), last drill. */
export function renderBackupList(backups: ReadonlyArray<BackupListing & { remote?: boolean }>, options: { dir: string; checked: boolean }): string {
  if (backups.length === 0) return `No backups in ${options.dir}.`;
  // The OFFSITE column appears only when offsite storage is configured (remote is then set on every row).
  const offsite = backups.some((b) => b.remote !== undefined);
  const rows = backups.map((b) => [
    b.createdAt,
    age(b.ageSeconds),
    formatBytes(b.bytes),
    b.kind,
    stateOf(b, options.checked),
    ...(offsite ? [b.remote ? 'offsite' : '-'] : []),
    lastDrill(b),
    basename(b.archive),
  ]);
  return renderColumns(['CREATED (UTC)', 'AGE', 'SIZE', 'KIND', 'STATE', ...(offsite ? ['OFFSITE'] : []), 'LAST DRILL', 'ARCHIVE'], rows, new Set([1, 2]));
}

/** renderVerifyBackup is `backup verify`'s verdict with its problems and warnings. */
export function renderVerifyBackup(result: { ok: boolean; archive: string; entries?: number; problems: string[]; warnings: string[] }): string {
  return [
    `${result.ok ? 'OK' : 'FAILED'}: ${result.archive}${result.entries === undefined ? '' : ` (${result.entries} entries read)`}`,
    ...result.problems.map((p) => `  problem: ${p}`),
    ...result.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

/** renderPrune lists every decision and what was done. */
export function renderPrune(report: PruneReport, dir: string): string {
  if (report.decisions.length === 0) return `No backups to prune in ${dir}.`;
  const lines = report.decisions.map(describeDecision);
  const removing = report.decisions.filter((d) => d.action === 'remove').length;
  if (report.dryRun) lines.push(`Dry run: ${removing} backup(s) would be removed; nothing was changed.`);
  else lines.push(`Removed ${report.removed.length} file(s)${report.failures.length ? `; ${report.failures.length} could not be removed` : ''}.`);
  return lines.join('\n');
}
