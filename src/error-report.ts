import { CommanderError } from 'commander';
import { OpsError } from './core/errors.js';
import { ExitCode } from './core/exit-codes.js';
import { redactText as patternsOnly } from './core/redact/redact.js';

const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.version', 'commander.executeSubCommandAsync']);

/** exitCodeFor is the one place an error becomes an exit code (CONTRACT "Exit status"). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof OpsError) return err.exitCode;
  // `commander.help` with a non-zero code is help shown for a missing subcommand (`autocodex-ops backup`):
  // a cron line that lost its subcommand must not "succeed" (issue 23 §2).
  if (err instanceof CommanderError) return COMMANDER_OK.has(err.code) || (err.code === 'commander.help' && err.exitCode === 0) ? ExitCode.Ok : ExitCode.Usage;
  if (err instanceof AggregateError) return Math.max(...err.errors.map(exitCodeFor), ExitCode.Failed);
  if (isZodError(err)) return ExitCode.Usage;
  return ExitCode.Failed;
}

function isZodError(err: unknown): err is { issues: { path: PropertyKey[]; message: string }[] } {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ZodError';
}

/** plainIssue turns zod's wording into a user's: "expected number, received NaN" is "not a number". */
function plainIssue(message: string): string {
  return message.replace(/^Invalid input: expected number, received NaN$/, 'not a number; expected a whole number');
}

/** The human and JSON shapes of an error, redacted; unexpected errors carry their stack and a request to report. */
export function describeError(err: unknown, redactText: (text: string) => string = patternsOnly): { code: number; message: string; hint?: string; stack?: string } {
  const code = exitCodeFor(err);
  if (err instanceof OpsError) return { code, message: redactText(err.message), hint: err.hint && redactText(err.hint) };
  if (err instanceof CommanderError && err.code === 'commander.help') return { code, message: 'A subcommand is required; the help above lists them.' };
  if (err instanceof CommanderError) return { code, message: err.message.replace(/^error: /, ''), hint: 'See --help for usage.' };
  if (isZodError(err)) {
    const issues = err.issues.map((i) => `--${i.path.map(String).join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${plainIssue(i.message)}`);
    return { code, message: `Invalid option${issues.length > 1 ? 's' : ''}: ${issues.join('; ')}`, hint: 'See --help for usage.' };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    code,
    message: redactText(`Unexpected error: ${e.message}`),
    hint: 'This is a bug in autocodex-ops; please report it with the stack below.',
    stack: e.stack && redactText(e.stack),
  };
}

/** formatError renders an error for stderr: JSON `{error:{code,message,hint}}` with --json, else message, hint and (bugs only) stack. */
export function formatError(err: unknown, json: boolean, redactText?: (text: string) => string): string {
  const d = describeError(err, redactText);
  if (json) return `${JSON.stringify({ error: { code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) } })}\n`;
  const lines = [`Error: ${d.message}`];
  if (d.hint) lines.push(`Hint: ${d.hint}`);
  if (d.stack) lines.push(d.stack);
  return `${lines.join('\n')}\n`;
}
