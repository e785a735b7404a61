import { DeclinedError, UsageError } from '../errors.js';
import type { EnvChange } from '../config/env-file.js';
import { applyImagesRollback, type ImagesApplyDeps, type ServiceHealth } from './images-apply.js';
import { missingImagesError, planImagesRollback, type ImagesPlan, type ImagesPlanDeps, type ImagesRollbackOptions } from './images-plan.js';
import { entryPair, type HistoryEntry, type ImageHistoryStore } from '../stack/image-history.js';
import { samePair, type Direction, type ImagePair, type StackKey } from '../stack/image-tags.js';

/** Everything runImagesRollback uses; the command wires the real ones, tests pass fakes. */
export interface ImagesRollbackDeps extends Omit<ImagesPlanDeps, 'docker' | 'env'>, Omit<ImagesApplyDeps, 'docker'> {
  docker: ImagesPlanDeps['docker'] & ImagesApplyDeps['docker'];
  /** Takes the `images` lock for the whole run, so two rollbacks never interleave (exit 11 when held). */
  lock(): Promise<{ release(): Promise<void> }>;
  /** Shows the plan and asks; true to go ahead. The command answers true for --yes. */
  confirm(plan: ImagesPlan): Promise<boolean>;
}

/** The `rollback images` result (`--json`). */
export interface ImagesRollbackResult {
  kind: 'images';
  dryRun: boolean;
  from: ImagePair;
  to: ImagePair;
  fromHistory: boolean;
  running?: ImagePair;
  envFile: string;
  envChanges: EnvChange[];
  envAppended: string[];
  pull: StackKey[];
  /** Target images missing with --no-pull: a dry run lists them, and the command then exits 10. */
  missing: StackKey[];
  /** The backup archive (a real run), true when one would be taken (dry run), false with --no-backup. */
  backup: string | boolean;
  directions: Record<StackKey, Direction>;
  compose: string;
  steps: string[];
  warnings: string[];
  health?: Record<StackKey, ServiceHealth>;
  durationMs: number;
}

function toResult(plan: ImagesPlan, deps: ImagesRollbackDeps, dryRun: boolean, started: number, extra: Partial<ImagesRollbackResult> = {}): ImagesRollbackResult {
  const running = plan.running ? { falkordb: plan.running.falkordb, graphiti: plan.running.graphiti } : undefined;
  return {
    kind: 'images', dryRun, from: plan.from, to: plan.to, fromHistory: plan.fromHistory, ...(running ? { running } : {}),
    envFile: plan.envFile, envChanges: plan.envChanges, envAppended: plan.envAppended, pull: plan.pull, missing: plan.missing,
    backup: plan.backup, directions: plan.directions, compose: deps.compose.describe, steps: plan.steps, warnings: plan.warnings,
    durationMs: deps.now().getTime() - started, ...extra,
  };
}

/**
 * runImagesRollback moves the stack to another pinned tag pair. With `dryRun` it only plans (no
 * lock, nothing written). Otherwise it takes the `images` lock, plans, logs the warnings, asks
 * `confirm` (false: DeclinedError, exit 1, nothing changed) and applies, returning to the previous pair
 * when the new one does not become healthy (then it rejects, exit 1). Errors are those of
 * planImagesRollback and applyImagesRollback; the lock is always released.
 */
export async function runImagesRollback(options: ImagesRollbackOptions & { dryRun: boolean }, deps: ImagesRollbackDeps): Promise<ImagesRollbackResult> {
  const started = deps.now().getTime();
  if (options.dryRun) return toResult(await planImagesRollback(options, deps), deps, true, started);
  const lock = await deps.lock();
  try {
    const plan = await planImagesRollback(options, deps);
    const missing = missingImagesError(plan);
    if (missing) throw missing;
    for (const w of plan.warnings) deps.log.warn(w);
    if (!(await deps.confirm(plan))) throw new DeclinedError();
    const applied = await applyImagesRollback(plan, deps);
    deps.log.info(`Now running ${plan.to.falkordb} / ${plan.to.graphiti}; the previous pair stays recorded in ${deps.history.path}.`);
    return toResult(plan, deps, false, started, { backup: applied.backup ?? false, health: applied.health });
  } finally {
    await lock.release();
  }
}

/** One row of `rollback images --list`: a recorded pair, marked when it is the configured one. */
export interface HistoryRow extends HistoryEntry {
  current: boolean;
}

/**
 * listImageHistory returns the recorded pairs, oldest first, the newest matching `configured`
 * marked current. A history file that cannot be used is a UsageError (exit 2) naming it.
 */
export async function listImageHistory(store: ImageHistoryStore, configured: Partial<ImagePair>): Promise<{ historyFile: string; configured: Partial<ImagePair>; entries: HistoryRow[] }> {
  const { entries, problem } = await store.read();
  if (problem) throw new UsageError(`The image history ${store.path} ${problem}.`, { hint: 'Move it aside; the next healthcheck, backup or rollback starts a new one.' });
  const cur = configured.falkordb && configured.graphiti ? { falkordb: configured.falkordb, graphiti: configured.graphiti } : undefined;
  const currentIndex = cur ? entries.map((e) => samePair(entryPair(e), cur)).lastIndexOf(true) : -1;
  return { historyFile: store.path, configured, entries: entries.map((e, i) => ({ ...e, current: i === currentIndex })) };
}
