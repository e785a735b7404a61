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

/** renderBackupList is `backup list`: newest first, one line each with created-at, age, size, kind and verification state. */
export function renderBackupList(backups: ReadonlyArray<BackupListing & { remote?: boolean }>, options: { dir: string; checked: boolean }): string {
  if (backups.length === 0) return `No backups in ${options.dir}.`;
  return backups
    .map((b) => {
      const state = b.verified === true ? (options.checked ? 'checksum ok' : 'verified') : b.verified === false ? 'CHECKSUM MISMATCH OR MISSING' : b.sha256 ? 'not verified' : 'no checksum';
      const remote = b.remote === undefined ? '' : `${(b.remote ? 'offsite' : '-').padEnd(8)}  `;
      return `${b.createdAt}  ${age(b.ageSeconds).padStart(10)}  ${formatBytes(b.bytes).padStart(10)}  ${b.kind.padEnd(20)}  ${state.padEnd(12)}  ${remote}${basename(b.archive)}`;
    })
    .join('\n');
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
