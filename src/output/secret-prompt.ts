import { InterruptedError } from '../core/errors.js';

/**
 * readSecretOnTerminal asks for a secret (an age passphrase) on stderr and reads it from the
 * terminal with echo off (raw mode), one line, Backspace honoured. Ctrl-C, Ctrl-D and an abort of
 * `signal` reject with InterruptedError. Callers use it only when stdin is a TTY; the secret is
 * never echoed, logged or put on argv (issue 21).
 */
export function readSecretOnTerminal(prompt: string, signal?: AbortSignal): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      stdin.setRawMode?.(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onAbort = () => done(new InterruptedError('Interrupted at the passphrase prompt; nothing was changed.'));
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new InterruptedError('Interrupted at the passphrase prompt; nothing was changed.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
