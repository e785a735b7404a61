import type { Runtime } from '../../src/runtime.js';

/** A Runtime of plain values whose output is captured; `answers` are what the "terminal" types, in order. */
export interface TestRuntime extends Runtime {
  out(): string;
  err(): string;
  /** The questions asked through `prompt`, in order. */
  asked: string[];
}

/**
 * testRuntime builds the Runtime tests run the CLI and the commands with: no real process state,
 * no TTY unless `answers` is given (then stdin is a terminal that answers them in turn).
 */
export function testRuntime(over: Partial<Runtime> & { answers?: string[] } = {}): TestRuntime {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const { answers, ...rest } = over;
  return {
    env: {},
    cwd: process.cwd(),
    home: '/nonexistent-home',
    platform: 'linux',
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdinIsTTY: answers !== undefined,
    prompt: async (question) => {
      asked.push(question);
      const answer = answers?.shift();
      if (answer === undefined) throw new Error(`unexpected question: ${question}`);
      return answer;
    },
    signal: new AbortController().signal,
    ...rest,
    out: () => stdout,
    err: () => stderr,
    asked,
  };
}
