import { createProgram } from '../../src/program.js';
import { exitCodeFor, formatError } from '../../src/error-report.js';
import type { Runtime } from '../../src/runtime.js';
import { ReportedFailure } from '../../src/core/errors.js';

export interface ProgramRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** runProgram runs the CLI in-process with a fake runtime, the way cli.ts does, and captures its output. */
export async function runProgram(args: string[], over: Partial<Runtime> = {}): Promise<ProgramRun> {
  let stdout = '';
  let stderr = '';
  const runtime: Runtime = {
    env: {},
    cwd: process.cwd(),
    home: '/nonexistent-home',
    platform: 'linux',
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdinIsTTY: false,
    signal: new AbortController().signal,
    ...over,
  };
  let code = 0;
  try {
    await createProgram(runtime).parseAsync(['node', 'autocodex-ops', ...args]);
  } catch (err) {
    code = exitCodeFor(err);
    if (code !== 0 && !(err instanceof ReportedFailure)) stderr += formatError(err, args.includes('--json'));
  }
  return { code, stdout, stderr };
}
