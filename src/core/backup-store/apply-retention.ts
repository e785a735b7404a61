import { listBackups } from './catalog.js';
import { findLeftovers } from './leftovers.js';
import type { BackupKind } from './naming.js';
import { executePrune, planPrune, type PruneDecision, type RemoveFile, type RetentionPolicy } from './prune.js';

/** Where and how to apply a retention policy to one kind of backup. */
export interface ApplyRetentionOptions {
  dir: string;
  kind: BackupKind;
  /** Project kinds: only this project's archives (each project keeps its own history). */
  label?: string;
  policy: RetentionPolicy;
  now: Date;
  /** The archive this run has just written: never removed (planPrune's `keep`). */
  keep?: string;
  /** Plan only: decide and report, delete nothing. */
  dryRun?: boolean;
  remove?: RemoveFile;
  isAlive?: (pid: number) => boolean;
}

/** The plan and, unless dry-run, what was removed and what could not be. */
export interface RetentionResult {
  kind: BackupKind;
  dir: string;
  dryRun: boolean;
  decisions: PruneDecision[];
  /** Every file deleted (archives and sidecars). */
  removed: string[];
  failures: Array<{ path: string; message: string }>;
}

/**
 * applyRetention lists the kind's archives directly in `dir` (never recursing), plans with
 * planPrune, adds the kind's leftovers (temporary files of dead runs, sidecars without archive)
 * and deletes what the plan removes unless `dryRun`. A file that cannot be deleted is reported in
 * `failures`, never thrown; only listing the folder can reject.
 */
export async function applyRetention(options: ApplyRetentionOptions): Promise<RetentionResult> {
  const records = await listBackups(options.dir, options.kind, options.label);
  // Retention is per project: without a label, each project's archives are planned on their own.
  const groups = new Map<string | undefined, typeof records>();
  for (const r of records) groups.set(r.label, [...(groups.get(r.label) ?? []), r]);
  const decisions = [
    ...[...groups.values()].flatMap((group) => planPrune(group, options.policy, options.now, { keep: options.keep })),
    ...(await findLeftovers(options.dir, options.kind, { now: options.now, isAlive: options.isAlive, label: options.label })),
  ];
  const base = { kind: options.kind, dir: options.dir, dryRun: Boolean(options.dryRun), decisions };
  if (options.dryRun) return { ...base, removed: [], failures: [] };
  const outcome = await executePrune(decisions, options.remove);
  return { ...base, removed: outcome.removed, failures: outcome.failures.map((f) => ({ path: f.path, message: f.error.message })) };
}
