import { DeclinedError } from '../errors.js';
import { applySourceRollback, readPendingJournal, recoverInterruptedRollback, type SourceApplyDeps } from './source-apply.js';
import { sourceLayout, type SourceVersion } from './source-layout.js';
import { checkAppNotRunning, planSourceRollback, type SourcePlan, type SourcePlanDeps, type SourceRollbackOptions } from './source-plan.js';

/** Everything runSourceRollback uses; the command wires the real ones, tests pass fakes. */
export interface SourceRollbackDeps extends SourcePlanDeps, SourceApplyDeps {
  /** Takes the single-instance lock for the userData folder (LockHeldError, exit 11, when held). */
  lock(): Promise<{ release(): Promise<void> }>;
  /** Shows the plan and asks; true to go ahead. The command answers true for --yes. */
  confirm(plan: SourcePlan): Promise<boolean>;
}

/** The `rollback source` result (`--json`): the plan, and after a real run where the safety copy is. */
export interface SourceRollbackResult {
  kind: 'source';
  to: 'bundled' | 'previous';
  dryRun: boolean;
  userdataDir: string;
  source: string;
  /** The override that was (or would be) replaced. */
  from?: SourceVersion;
  /** The source installed as the override; absent for `bundled`. */
  installed?: SourceVersion;
  safetyCopy?: string;
  carriedOver: string[];
  /** What was done about a rollback that an earlier run left unfinished. */
  recovered?: string;
  steps: string[];
  warnings: string[];
  /** How to undo this rollback by hand. */
  undo?: string;
  durationMs: number;
}

function undoText(plan: SourcePlan, safety: string | undefined): string | undefined {
  if (!safety) return undefined;
  const { source } = plan.layout;
  return plan.to === 'bundled'
    ? `Quit the app, then: mv "${safety}" "${source}"`
    : `Quit the app, then: mv "${source}" "${source}.unwanted" && mv "${safety}" "${source}"`;
}

function toResult(plan: SourcePlan, dryRun: boolean, started: number, now: number, extra: Partial<SourceRollbackResult> = {}): SourceRollbackResult {
  return {
    kind: 'source',
    to: plan.to,
    dryRun,
    userdataDir: plan.layout.userdataDir,
    source: plan.layout.source,
    ...(plan.current ? { from: plan.current } : {}),
    ...(plan.target ? { installed: plan.target } : {}),
    ...(plan.safetyCopy ? { safetyCopy: plan.safetyCopy } : {}),
    carriedOver: plan.carryOver,
    steps: plan.steps,
    warnings: plan.warnings,
    durationMs: now - started,
    ...extra,
  };
}

/**
 * runSourceRollback rolls the app's source back to its bundled copy or to the updater's backup.
 * With `dryRun` it only plans (no lock, nothing written). Otherwise it takes the userData lock,
 * refuses while the app runs (unless `force`), recovers a rollback an earlier run left unfinished,
 * plans, asks `confirm` (false: DeclinedError, exit 1, nothing changed) and applies. Errors are those of
 * planSourceRollback and applySourceRollback; the lock is always released.
 */
export async function runSourceRollback(options: SourceRollbackOptions & { dryRun: boolean }, deps: SourceRollbackDeps): Promise<SourceRollbackResult> {
  const started = deps.now().getTime();
  const layout = sourceLayout(options.userdataDir);
  if (options.dryRun) {
    const pending = await readPendingJournal(deps.fs, layout);
    const plan = await planSourceRollback(options, deps);
    if (pending) plan.steps.unshift(`First finish the rollback an earlier run left unfinished (${layout.journal}): put the old override back if it was moved aside. The steps below assume it was not.`);
    return toResult(plan, true, started, deps.now().getTime());
  }

  const lock = await deps.lock();
  try {
    // The app check comes before recovery too: recovery renames folders the app reads.
    await checkAppNotRunning(options, deps);
    const recovered = await recoverInterruptedRollback(deps.fs, layout);
    if (recovered) deps.log.warn(recovered);
    const plan = await planSourceRollback(options, deps);
    for (const w of plan.warnings) deps.log.warn(w);
    if (!(await deps.confirm(plan))) {
      throw new DeclinedError(recovered ? ' (The unfinished earlier rollback was recovered, see above.)' : '');
    }
    const applied = await applySourceRollback(plan, deps);
    const safety = applied.safetyCopy;
    const result = toResult({ ...plan, safetyCopy: safety }, false, started, deps.now().getTime(), {
      ...(recovered ? { recovered } : {}),
      carriedOver: applied.carriedOver,
      ...(undoText(plan, safety) ? { undo: undoText(plan, safety) } : {}),
    });
    deps.log.info(
      plan.to === 'bundled'
        ? `Moved the source override to ${safety}; the app will run its bundled source at next start.`
        : `Installed the updater's backup as ${layout.source}${safety ? `; the replaced override is in ${safety}` : ''}.`,
    );
    return result;
  } finally {
    await lock.release();
  }
}
