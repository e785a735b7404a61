import { DeclinedError } from '../errors.js';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';
import { acquireLock, type Lock } from '../run/lock.js';
import type { LockTargets } from '../run/target-lock.js';
import { applyRetention } from '../backup-store/apply-retention.js';
import type { BackupKind } from '../backup-store/naming.js';
import { executePrune, type PruneDecision, type RetentionPolicy } from '../backup-store/prune.js';
import type { BackupLog } from '../backup-store/store-backup.js';

/** Which archives `backup prune` looks at: each kind in its folder. */
export interface PruneTarget {
  kind: BackupKind;
  dir: string;
}

/** Options of runPrune. */
export interface RunPruneOptions {
  targets: PruneTarget[];
  policy: RetentionPolicy;
  dryRun: boolean;
  waitSeconds: number;
}

/** Dependencies of runPrune; `confirm` is the command's consent (it decides about --yes and terminals). */
export interface RunPruneDeps {
  log: BackupLog;
  signal?: AbortSignal;
  now: () => Date;
  lockDir: string;
  /** Lock names keyed by what they protect; `falkordb`/`userdata` when absent (tests). */
  locks?: LockTargets;
  confirm: (toRemove: readonly PruneDecision[]) => Promise<boolean>;
}

/** What `backup prune` planned and did (its `--json` shape). */
export interface PruneReport {
  dryRun: boolean;
  decisions: Array<Omit<PruneDecision, 'createdAt'> & { createdAt?: string }>;
  removed: string[];
  failures: Array<{ path: string; message: string }>;
}

const lockTarget = (kind: BackupKind, locks?: LockTargets) => (kind.startsWith('falkordb') ? (locks?.falkordb ?? 'falkordb') : (locks?.userdata ?? 'userdata'));

/**
 * runPrune applies the retention policy on demand: it plans every target (only that kind's
 * files directly in its folder, the newest always kept), and unless `dryRun` takes the targets'
 * locks (exit 11 when held), asks `confirm` (false: DeclinedError, exit 1, nothing removed) and
 * deletes. A file that cannot be removed is listed in `failures`.
 */
export async function runPrune(options: RunPruneOptions, deps: RunPruneDeps): Promise<PruneReport> {
  const locks: Lock[] = [];
  try {
    if (!options.dryRun) {
      // Root deletes by path there: a folder another user could swap for a link is refused.
      for (const t of options.targets) assertSafeOutputDir(t.dir, 'the backup folder');
      for (const target of new Set(options.targets.map((t) => lockTarget(t.kind, deps.locks)))) {
        locks.push(await acquireLock({ dir: deps.lockDir, target, command: 'backup prune', waitSeconds: options.waitSeconds, signal: deps.signal, log: deps.log }));
      }
    }
    const decisions: PruneDecision[] = [];
    for (const t of options.targets) decisions.push(...(await applyRetention({ ...t, policy: options.policy, now: deps.now(), dryRun: true })).decisions);
    const report: PruneReport = { dryRun: options.dryRun, decisions: decisions.map((d) => ({ ...d, createdAt: d.createdAt?.toISOString() })), removed: [], failures: [] };
    const doomed = decisions.filter((d) => d.action === 'remove');
    if (options.dryRun || doomed.length === 0) return report;
    if (!(await deps.confirm(doomed))) throw new DeclinedError();
    const outcome = await executePrune(decisions);
    for (const f of outcome.failures) deps.log.warn(`Could not remove ${f.path}: ${f.error.message}`);
    return { ...report, removed: outcome.removed, failures: outcome.failures.map((f) => ({ path: f.path, message: f.error.message })) };
  } finally {
    for (const lock of locks.reverse()) await lock.release();
  }
}
