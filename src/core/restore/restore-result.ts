import type { BackupDeps } from '../backup-store/store-backup.js';
import type { CheckedArchive } from '../backup-store/check-archive.js';
import type { ServicesHealth } from './falkordb-services.js';
import type { PhaseTiming, RestoreLog } from './phases.js';

/** What a restore will do, shown before the confirmation and printed by --dry-run. */
export interface RestorePlan {
  kind: 'falkordb' | 'userdata' | 'project';
  archive: string;
  sha256: string;
  checksum: 'verified' | 'missing';
  entries: number;
  contentBytes: number;
  /** The volume or folder whose content is replaced. */
  target: string;
  /** Containers that will be stopped (FalkorDB only). */
  stop: string[];
  /** Containers that will be started afterwards (FalkorDB only). */
  start: string[];
  /** Where the safety copy will be written (the final name carries the time it is taken). */
  safetyBackup: string | null;
  /** What happens after the content is in place, in words. */
  verify: string;
  /** FalkorDB: how the server will load the restored files (issue 23 §8). */
  load?: string;
  steps: string[];
  /** FalkorDB (issue 16): the hidden folder of the volume the current data is moved into (or back from). */
  asideFolder?: string;
  warnings: string[];
  /** No checksum file: a TTY confirmation must be typed, not just `y`. */
  typedConfirmation: boolean;
}

/** CONTRACT `--json` for restore: kind, archive, safetyBackup, durationMs, health?, and more. */
export interface RestoreResult {
  kind: 'falkordb' | 'userdata' | 'project';
  archive: string;
  /** The verified pre-restore archive (planned path with --dry-run); null when there was nothing to save. */
  safetyBackup: string | null;
  durationMs: number;
  health?: ServicesHealth;
  dryRun: boolean;
  sha256: string;
  checksum: 'verified' | 'missing';
  target: string;
  stopped: string[];
  started: string[];
  phases: PhaseTiming[];
  warnings: string[];
  plan?: RestorePlan;
  /** FalkorDB: how the server loaded the files (load-plan.ts `how`). */
  load?: string;
  /** Set when this run finished (`resume`) or undid (`undo`) an interrupted restore. */
  finished?: 'resume' | 'undo';
}

/** Dependencies every restore shares: the backup ones (logger, clock, host, lock folder, progress) plus the confirmation. */
export interface RestoreDeps extends Omit<BackupDeps, 'log'> {
  log: RestoreLog;
  /** Shows the plan and asks; true to go ahead (the command answers true for --yes and --dry-run). */
  confirm(plan: RestorePlan): Promise<boolean>;
}

/** planBase fills the archive part of a plan from the checked archive; pure. */
export function planBase(checked: CheckedArchive): Pick<RestorePlan, 'archive' | 'sha256' | 'checksum' | 'entries' | 'contentBytes' | 'typedConfirmation'> {
  return {
    archive: checked.path,
    sha256: checked.sha256,
    checksum: checked.sidecar === 'match' ? 'verified' : 'missing',
    entries: checked.listing.entries.length,
    contentBytes: checked.listing.contentBytes,
    typedConfirmation: checked.sidecar === 'missing',
  };
}

/** dryRunResult is the result of a --dry-run: the plan, nothing done; pure. */
export function dryRunResult(plan: RestorePlan, phases: PhaseTiming[], durationMs: number): RestoreResult {
  return {
    kind: plan.kind,
    archive: plan.archive,
    safetyBackup: plan.safetyBackup,
    durationMs,
    dryRun: true,
    sha256: plan.sha256,
    checksum: plan.checksum,
    target: plan.target,
    stopped: [],
    started: [],
    phases,
    warnings: plan.warnings,
    plan,
  };
}

/** folderRestoreResult is what a userData or project folder restore reports after its swap (no services); pure. */
export function folderRestoreResult(
  kind: 'userdata' | 'project',
  checked: Pick<CheckedArchive, 'path' | 'sha256' | 'sidecar'>,
  o: { target: string; safetyBackup: string | null; durationMs: number; phases: PhaseTiming[]; warnings: string[] },
): RestoreResult {
  return {
    kind,
    archive: checked.path,
    safetyBackup: o.safetyBackup,
    durationMs: o.durationMs,
    dryRun: false,
    sha256: checked.sha256,
    checksum: checked.sidecar === 'match' ? 'verified' : 'missing',
    target: o.target,
    stopped: [],
    started: [],
    phases: o.phases,
    warnings: o.warnings,
  };
}
