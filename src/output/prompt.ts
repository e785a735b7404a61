import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';
import type { OutputStream } from './printer.js';

/**
 * promptOnTerminal prints `question` on `output` (stderr, guarded: a hung-up terminal cannot crash
 * it) and resolves to the line typed on `input`; an abort of `signal` (Ctrl-C, a hang-up) rejects.
 * It is the Runtime's `prompt` in cli.ts.
 */
export async function promptOnTerminal(input: Readable, output: OutputStream, question: string, signal: AbortSignal): Promise<string> {
  output.write(question);
  const rl = createInterface({ input, terminal: false });
  try {
    return await rl.question('', { signal });
  } finally {
    rl.close();
  }
}
