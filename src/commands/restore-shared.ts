import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { CommandContext, GlobalOptions } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import { renderPlan, renderResult } from '../core/restore/render.js';
import type { RestoreDeps, RestorePlan, RestoreResult } from '../core/restore/restore-result.js';
import { lockPlace } from './locks.js';
import { askOnTerminal } from '../output/confirm.js';
import { createProgressLine } from '../output/progress.js';
import type { Runtime } from '../runtime.js';
import { VERSION } from '../version.js';

/** The word an operator types to restore an archive that has no checksum file. */
export const TYPED_WORD = 'restore';

/** Test seams of the restore commands; the defaults ask on the real terminal. */
export interface RestoreCommandDeps {
  /** Asks a yes/no question on a TTY. */
  confirm?: (question: string, signal?: AbortSignal) => Promise<boolean>;
  /** Asks the operator to type `word`; true only when the answer is exactly that word. */
  typed?: (question: string, word: string, signal?: AbortSignal) => Promise<boolean>;
}

/** askTyped reads one line on stdin after printing `question` on stderr; true only for exactly `word`. An abort rejects. */
export async function askTyped(question: string, word: string, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(`${question} `, { signal })).trim() === word;
  } finally {
    rl.close();
  }
}

/**
 * restoreConsent applies CONTRACT's rule for destructive commands before any I/O: `--dry-run`
 * needs no consent; `--yes` gives it; without a TTY it throws UsageError (exit 2, nothing touched);
 * on a TTY the returned function shows the plan on stderr and asks: y/N, or the typed word when the
 * archive has no checksum file (issue 5: a missing sidecar needs --yes or a typed confirmation).
 */
export function restoreConsent(options: { yes: boolean; dryRun: boolean }, runtime: Runtime, ctx: CommandContext, deps: RestoreCommandDeps): (plan: RestorePlan) => Promise<boolean> {
  if (options.dryRun) return async () => true;
  if (options.yes) {
    return async (plan) => {
      // The warnings were logged on their own already; the plan is the record of what will happen.
      ctx.log.info(renderPlan({ ...plan, warnings: [] }));
      return true;
    };
  }
  if (!runtime.stdinIsTTY) {
    throw new UsageError('Refusing to restore without confirmation: stdin is not a terminal and --yes was not given; nothing was changed.', {
      hint: 'Preview the plan with --dry-run, then run again with --yes.',
    });
  }
  return async (plan) => {
    runtime.stderr.write(`${renderPlan(plan)}\n`);
    try {
      if (plan.typedConfirmation) {
        const ask = deps.typed ?? askTyped;
        return await ask(`The archive has no .sha256 file, so its integrity is not confirmed. Type "${TYPED_WORD}" to go ahead:`, TYPED_WORD, ctx.signal);
      }
      return await (deps.confirm ?? askOnTerminal)('Go ahead?', ctx.signal);
    } catch (error) {
      // readline rejects with a bare AbortError on Ctrl-C; that is an answer, not a bug.
      if (ctx.signal.aborted) throw new InterruptedError('Interrupted at the confirmation; nothing was changed.', { cause: error });
      throw error;
    }
  };
}

/** restoreDeps builds what every restore use-case needs; the progress line appears on a TTY only, never with --json or --quiet. */
export function restoreDeps(ctx: CommandContext, globals: GlobalOptions, config: OpsConfig, confirm: (plan: RestorePlan) => Promise<boolean>): RestoreDeps {
  const showProgress = Boolean(ctx.runtime.stderr.isTTY) && !globals.json && !globals.quiet;
  return {
    log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m), error: (m) => ctx.log.error(m) },
    signal: ctx.signal,
    now: () => new Date(),
    hostname: hostname(),
    toolVersion: VERSION,
    ...(({ lockDir, locks }) => ({ lockDir, locks }))(lockPlace(ctx, config)),
    confirm,
    ...(showProgress ? { progress: createProgressLine(ctx.runtime.stderr, '[restore]') } : {}),
  };
}

/** printRestore prints the result: the CONTRACT JSON with --json, else the summary (nothing with --quiet); it also feeds the audit record. */
export function printRestore(ctx: CommandContext, globals: GlobalOptions, result: RestoreResult): void {
  ctx.audit.touch({ sha256: result.sha256, safetyBackup: result.safetyBackup, dryRun: result.dryRun });
  if (globals.quiet && !globals.json) return;
  ctx.printer.result(result, () => renderResult(result));
}
