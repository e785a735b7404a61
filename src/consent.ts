import type { CommandContext } from './context.js';
import { InterruptedError, UsageError } from './core/errors.js';
import type { RestorePlan } from './core/restore/restore-result.js';
import { renderPlan } from './output/restore.js';
import type { Runtime } from './runtime.js';

/** The flags every destructive command has. */
export interface ConsentFlags {
  yes: boolean;
  dryRun: boolean;
}

/** A stronger confirmation: the operator must type `word` (e.g. a restore of an archive without checksum). */
export interface TypedConfirmation {
  question: string;
  word: string;
}

/** Asks for consent to the plan shown; true means go ahead. */
export type Ask = (planText: string, typed?: TypedConfirmation) => Promise<boolean>;

/**
 * consentFor is CONTRACT's one rule for destructive commands (restore, rollback, backup prune, …),
 * applied before any I/O: `--dry-run` needs no consent and `--yes` gives it (the plan is logged);
 * without a terminal and without `--yes` it throws UsageError (exit 2) at once, so nothing is
 * touched. On a terminal the returned function prints the plan on stderr and asks through
 * `runtime.prompt`; only `y`/`yes` (or the typed word) consents. The use case turns false into
 * DeclinedError ("Aborted; nothing changed.", exit 1); Ctrl-C at the question is exit 130.
 */
export function consentFor(action: string, flags: ConsentFlags, runtime: Runtime, log: (text: string) => void): Ask {
  if (!flags.dryRun && !flags.yes && !runtime.stdinIsTTY) {
    throw new UsageError(`Refusing to ${action} without confirmation: stdin is not a terminal and --yes was not given; nothing was changed.`, {
      hint: 'Preview the plan with --dry-run, then run again with --yes.',
    });
  }
  return async (planText, typed) => {
    if (flags.dryRun || flags.yes) {
      log(planText);
      return true;
    }
    runtime.stderr.write(`${planText}\n`);
    try {
      if (typed) return (await runtime.prompt(`${typed.question} `, runtime.signal)).trim() === typed.word;
      return /^(y|yes)$/i.test((await runtime.prompt('Go ahead? [y/N] ', runtime.signal)).trim());
    } catch (error) {
      // readline rejects with a bare AbortError on Ctrl-C; that is an answer, not a bug.
      if (runtime.signal.aborted) throw new InterruptedError('Interrupted at the confirmation; nothing was changed.', { cause: error });
      throw error;
    }
  };
}

/** The word an operator types to restore an archive that has no checksum file. */
export const TYPED_WORD = 'restore';

/**
 * restoreConsent is consentFor for a restore: the plan, and the typed word instead of y/N when the
 * archive has no checksum file (issue 5: a missing sidecar needs --yes or a typed confirmation).
 */
export function restoreConsent(flags: ConsentFlags, ctx: CommandContext): (plan: RestorePlan) => Promise<boolean> {
  const ask = consentFor('restore', flags, ctx.runtime, (text) => ctx.log.info(text));
  // With --yes the warnings were logged on their own already; the plan is the record of what will happen.
  return (plan) =>
    ask(
      renderPlan(flags.yes ? { ...plan, warnings: [] } : plan),
      plan.typedConfirmation ? { question: `The archive has no .sha256 file, so its integrity is not confirmed. Type "${TYPED_WORD}" to go ahead:`, word: TYPED_WORD } : undefined,
    );
}
