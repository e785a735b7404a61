import { OpsError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/** One deferred cleanup step: a label for messages and the function that puts something back. */
interface Step {
  label: string;
  run: () => Promise<void> | void;
}

/** A cleanup step that failed, with its error. */
export interface CleanupFailure {
  label: string;
  error: unknown;
}

/**
 * CleanupStack collects the undo of each step of a run (restart services, put a setting back,
 * remove a temporary file) and runs them newest first. runAll tries every step even when one
 * fails and never throws; it ignores the run's AbortSignal, because cleanup must still happen
 * after Ctrl-C.
 */
export class CleanupStack {
  readonly #steps: Step[] = [];

  /** defer registers an undo; it runs before every undo registered earlier. */
  defer(label: string, run: () => Promise<void> | void): void {
    this.#steps.push({ label, run });
  }

  /** runAll runs and forgets every deferred step, newest first, and returns the failures. */
  async runAll(): Promise<CleanupFailure[]> {
    const failures: CleanupFailure[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        failures.push({ label: step.label, error });
      }
    }
    return failures;
  }
}

const describe = (f: CleanupFailure) => `${f.label}: ${f.error instanceof Error ? f.error.message : String(f.error)}`;

/**
 * withCleanup runs `fn` with a fresh CleanupStack and then runs the stack, on success and on
 * failure. When `fn` failed, its error is rethrown; if cleanup failed too, the rethrown OpsError
 * keeps the primary error's exit code and names every cleanup failure. When only cleanup failed,
 * it rejects with an OpsError (exit 1) naming them, because the system was not left as found.
 */
export async function withCleanup<T>(fn: (stack: CleanupStack) => Promise<T>): Promise<T> {
  const stack = new CleanupStack();
  let result: T;
  try {
    result = await fn(stack);
  } catch (error) {
    // A shared undo that already failed inside `fn` fails again here with the same error: say it once.
    const failures = (await stack.runAll()).filter((f) => f.error !== error && f.error !== (error as { cause?: unknown } | undefined)?.cause);
    if (failures.length === 0) throw error;
    const primary = error instanceof Error ? error.message : String(error);
    const exitCode: ExitCodeValue = error instanceof OpsError ? error.exitCode : ExitCode.Failed;
    throw new OpsError(`${primary} Cleanup also failed: ${failures.map(describe).join('; ')}`, {
      exitCode,
      hint: hintOf(failures) ?? (error instanceof OpsError ? error.hint : undefined),
      cause: new AggregateError([error, ...failures.map((f) => f.error)]),
    });
  }
  const failures = await stack.runAll();
  if (failures.length > 0) {
    throw new OpsError(`The run finished, but cleanup failed: ${failures.map(describe).join('; ')}`, {
      hint: hintOf(failures),
      cause: new AggregateError(failures.map((f) => f.error)),
    });
  }
  return result;
}

function hintOf(failures: CleanupFailure[]): string | undefined {
  return failures.map((f) => (f.error instanceof OpsError ? f.error.hint : undefined)).find((h) => h !== undefined);
}
