import { createInterface } from 'node:readline/promises';

/**
 * askOnTerminal asks a yes/no question on stderr and reads the answer from stdin; only `y` or
 * `yes` (any case) confirms. Callers use it only when stdin is a TTY (CONTRACT: destructive
 * commands ask on a TTY, else require --yes). An abort of `signal` rejects.
 */
export async function askOnTerminal(question: string, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal });
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
