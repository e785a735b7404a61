import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export interface OpsErrorOptions {
  exitCode?: ExitCodeValue;
  hint?: string;
  cause?: unknown;
}

/**
 * OpsError is an expected, user-facing failure: the CLI prints its message and hint
 * (never a stack) and exits with its exitCode. Anything that is not an OpsError is a bug.
 */
export class OpsError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;

  constructor(message: string, options: OpsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.Failed;
    this.hint = options.hint;
  }
}

/** Bad usage or invalid input (exit 2): nothing was changed. */
export class UsageError extends OpsError {
  constructor(message: string, options: Omit<OpsErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.Usage });
  }
}

/** Invalid configuration (exit 2), listing every issue as `path: message`. */
export class ConfigError extends UsageError {
  readonly issues: string[];
  constructor(issues: string[], hint?: string) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`, { hint });
    this.issues = issues;
  }
}

/** A prerequisite is unavailable (exit 10): Docker engine, container, volume, FalkorDB, uv/pip. */
export class PrerequisiteError extends OpsError {
  constructor(message: string, options: Omit<OpsErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.Prerequisite });
  }
}

/** Another run holds the lock for the same target (exit 11). */
export class LockHeldError extends OpsError {
  constructor(message: string, options: Omit<OpsErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.Locked });
  }
}

/** The run was interrupted by SIGINT/SIGTERM/SIGHUP (exit 130); cleanup has run. */
export class InterruptedError extends OpsError {
  constructor(message = 'Interrupted; cleanup has run.', options: Omit<OpsErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.Interrupted });
  }
}

/**
 * ReportedFailure sets a failing exit code (1 unless given, e.g. 2 for a `backup verify` that
 * found problems) after the command has already printed its verdict: the CLI prints nothing more.
 */
export class ReportedFailure extends OpsError {
  constructor(message: string, exitCode: ExitCodeValue = ExitCode.Failed) {
    super(message, { exitCode });
  }
}

/** The one message of a declined confirmation, for every destructive command (CONTRACT, second wave). */
export const ABORTED_MESSAGE = 'Aborted; nothing changed.';

/** DeclinedError is the operator answering "no" to a confirmation: exit 1, nothing changed. */
export class DeclinedError extends OpsError {
  constructor(note = '') {
    super(`${ABORTED_MESSAGE}${note}`);
  }
}

/** Throws InterruptedError when the signal has been aborted; call between steps of long operations. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}
