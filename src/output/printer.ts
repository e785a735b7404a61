import { createRedactor, redactTokens, type Redactor } from '../core/redact/redact.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** True once a write failed because the reader went away (EPIPE, EIO); see guarded-stream.ts. */
  readonly broken?: boolean;
  /** Resolves once everything written so far reached the OS or failed. */
  settle?(): Promise<void>;
}

/**
 * Printer writes results to stdout only: one JSON document with --json, else text. Results are never
 * rewritten by value scrubbing (a password that is also a folder name must not break a path): secrets
 * stay out because fields named like secrets are masked and nothing formats a secret into a result.
 */
export interface Printer {
  readonly json: boolean;
  readonly color: boolean;
  result(data: unknown, human: () => string): void;
}

/** createPrinter returns the Printer for the chosen mode; secret fields and app tokens are masked in both shapes. */
export function createPrinter(stdout: OutputStream, options: { json: boolean; color: boolean; redactor?: Redactor }): Printer {
  const redactor = options.redactor ?? createRedactor();
  return {
    json: options.json,
    color: options.color,
    result(data, human) {
      if (options.json) stdout.write(`${JSON.stringify(redactor.result(data), null, 2)}\n`);
      else {
        const text = human();
        stdout.write(redactTokens(text.endsWith('\n') ? text : `${text}\n`));
      }
    },
  };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** paint wraps text in an ANSI colour when colour is on (TTY, no --no-color, no NO_COLOR). */
export function paint(on: boolean, colour: keyof typeof CODES, text: string): string {
  return on ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}
