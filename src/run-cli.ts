import { attachAudit, createApp } from './app.js';
import { OpsError, ReportedFailure } from './core/errors.js';
import { ExitCode } from './core/exit-codes.js';
import { exitCodeFor, formatError } from './error-report.js';
import { finishRun } from './finish-run.js';
import { createProgram } from './program.js';
import type { Runtime } from './runtime.js';

/**
 * runCli runs one command line (`argv` without node and the script) against `runtime` and returns
 * the exit code (CONTRACT "Exit status"); it never exits the process itself. cli.ts and the tests
 * both run the program through it. The exit code tells the truth: an error becomes its code, an
 * interrupted failure 130, and a run whose result could not be written to stdout (the reader went
 * away) is never 0. The run's audit record is written last, with that final code.
 */
export async function runCli(argv: readonly string[], runtime: Runtime): Promise<number> {
  const json = argv.includes('--json');
  // One redactor and one audit record per run; the record is written here because only here is the final exit code known.
  const app = createApp(runtime, argv);
  const redact = (text: string) => app.redactor.text(text);
  let code: number = ExitCode.Ok;
  let failure: unknown;
  try {
    await attachAudit(createProgram(app), app.audit).parseAsync(['node', 'autocodex-ops', ...argv]);
  } catch (err) {
    failure = err;
    code = exitCodeFor(err);
    if (code !== ExitCode.Ok && !(err instanceof ReportedFailure)) runtime.stderr.write(formatError(err, json, redact));
    code = runtime.signal.aborted && code !== ExitCode.Ok ? ExitCode.Interrupted : code;
  }
  await runtime.stdout.settle?.();
  // (`--help | head` is the reader's choice: help and --version end as commander errors and stay 0.)
  if (code === ExitCode.Ok && failure === undefined && runtime.stdout.broken) {
    // `… | head -c1`, a tee that died: the operation ran, but its result never reached the reader.
    failure = new OpsError('stdout was closed before the result was written; the exit code cannot claim success.');
    code = ExitCode.Failed;
    runtime.stderr.write(formatError(failure, json, redact));
  }
  // Notification and metrics (issue 25), then the audit record: only here is the exit code known.
  return finishRun(app, code, failure, json);
}
