import { setMaxListeners } from 'node:events';
import { homedir } from 'node:os';
import { VERSION } from './version.js';

// The bin entry and the only place that touches process.exit / exitCode, signals and the real streams.
async function main(): Promise<void> {
  // `--version` alone is answered before commander, zod, pino and the commands are even loaded:
  // scripts call it often, and it should cost about what starting node costs.
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // Relative dynamic imports stay inside the bundle (esbuild initialises them lazily).
  const [{ runCli }, { guardStream }, { promptOnTerminal }] = await Promise.all([import('./run-cli.js'), import('./output/guarded-stream.js'), import('./output/prompt.js')]);
  // A reader that goes away (EPIPE, EIO after a hang-up) never crashes or ends the run.
  const stdout = guardStream(process.stdout);
  const stderr = guardStream(process.stderr);
  const controller = new AbortController();
  // Every concurrent operation (healthcheck checks, engine calls) listens on this one signal.
  setMaxListeners(100, controller.signal);
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    // A second Ctrl-C while cleanup runs means "now": exit at once with 130. A repeated hang-up or
    // TERM does not: the terminal is gone, and cleanup (a restore putting its safety copy back) must finish.
    if (interrupted) {
      if (sig === 'SIGINT') process.exit(130);
      return;
    }
    interrupted = true;
    stderr.write(`\nReceived ${sig}; stopping and cleaning up (press Ctrl-C again to exit at once)...\n`);
    controller.abort(new Error(`received ${sig}`));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  process.exitCode = await runCli(args, {
    env: process.env,
    cwd: process.cwd(),
    home: homedir(),
    platform: process.platform,
    pid: process.pid,
    stdout,
    stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    prompt: (question, signal) => promptOnTerminal(process.stdin, stderr, question, signal),
    readSecret: async (prompt, signal) => (await import('./output/secret-prompt.js')).readSecretOnTerminal(prompt, signal),
    signal: controller.signal,
  });
  // The verdict is out: a socket still draining (a hung server's connect) must not keep the
  // process alive past it. Unref'd, this fires only if something else still holds the loop.
  setTimeout(() => process.exit(), 200).unref();
}

void main();
