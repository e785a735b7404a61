import { setMaxListeners } from 'node:events';
import { homedir } from 'node:os';
import type { Runtime } from './runtime.js';
import { VERSION } from './version.js';

// The bin entry and the only place that touches process.exit / exitCode and signals.
async function main(): Promise<void> {
  // `--version` alone is answered before commander, zod, pino and the commands are even loaded:
  // scripts call it often, and it should cost about what starting node costs.
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // Relative dynamic imports stay inside the bundle (esbuild initialises them lazily).
  const [{ startAuditSession }, { ReportedFailure }, { formatError, exitCodeFor }, { createProgram }, { finishRun }] = await Promise.all([
    import('./core/audit/session.js'),
    import('./core/errors.js'),
    import('./error-report.js'),
    import('./program.js'),
    import('./finish-run.js'),
  ]);
  const controller = new AbortController();
  // Every concurrent operation (healthcheck checks, engine calls) listens on this one signal.
  setMaxListeners(100, controller.signal);
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    // A second Ctrl-C while cleanup runs means "now": exit at once with 130.
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\nReceived ${sig}; stopping and cleaning up (press Ctrl-C again to exit at once)...\n`);
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `autocodex-ops … | head` closes the pipe early: that is the reader's choice, not a crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }

  const runtime: Runtime = {
    env: process.env,
    cwd: process.cwd(),
    home: homedir(),
    platform: process.platform,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    signal: controller.signal,
    readSecret: async (prompt, signal) => (await import('./output/secret-prompt.js')).readSecretOnTerminal(prompt, signal),
  };
  const json = process.argv.includes('--json');
  // One audit record per audited run, written here because only here is the final exit code known.
  const audit = startAuditSession(runtime, process.argv.slice(2), { version: VERSION });
  let code = 0;
  let failure: unknown;
  try {
    await audit.attach(createProgram(runtime)).parseAsync(process.argv);
  } catch (err) {
    failure = err;
    code = exitCodeFor(err);
    if (code !== 0 && !(err instanceof ReportedFailure)) process.stderr.write(formatError(err, json));
    code = controller.signal.aborted && code !== 0 ? 130 : code;
  }
  // Notification and metrics (issue 25), then the audit record: only here is the exit code known.
  process.exitCode = await finishRun(audit, runtime, code, failure, json);
  // The verdict is out: a socket still draining (a hung server's connect) must not keep the
  // process alive past it. Unref'd, this fires only if something else still holds the loop.
  setTimeout(() => process.exit(), 200).unref();
}

void main();
