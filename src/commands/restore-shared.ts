import { hostname } from 'node:os';
import type { CommandContext, GlobalOptions } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import { consentFor, type ConsentFlags } from '../consent.js';
import { renderPlan, renderResult } from '../core/restore/render.js';
import type { RestoreDeps, RestorePlan, RestoreResult } from '../core/restore/restore-result.js';
import { opsLockDir } from '../core/run/lock-dir.js';
import { createProgressLine } from '../output/progress.js';
import { VERSION } from '../version.js';

/** The word an operator types to restore an archive that has no checksum file. */
export const TYPED_WORD = 'restore';

/**
 * restoreConsent is consentFor for a restore: the plan, and the typed word instead of y/N when the
 * archive has no checksum file (issue 5: a missing sidecar needs --yes or a typed confirmation).
 */
export function restoreConsent(options: ConsentFlags, ctx: CommandContext): (plan: RestorePlan) => Promise<boolean> {
  const ask = consentFor('restore', options, ctx.runtime, (text) => ctx.log.info(text));
  // With --yes the warnings were logged on their own already; the plan is the record of what will happen.
  return (plan) =>
    ask(
      renderPlan(options.yes ? { ...plan, warnings: [] } : plan),
      plan.typedConfirmation ? { question: `The archive has no .sha256 file, so its integrity is not confirmed. Type "${TYPED_WORD}" to go ahead:`, word: TYPED_WORD } : undefined,
    );
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
    lockDir: opsLockDir(config.root),
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
