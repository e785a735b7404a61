import { writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { redactValue } from '../core/redact/redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** JSON lines on stderr (with --json); otherwise `[cmd] message` lines. */
  json: boolean;
  /** Where lines go; defaults to a synchronous write to fd 2 (pino transports break in the binary). */
  write?: (line: string) => void;
  /** The run's redaction (default: the patterns only, no known secret values). */
  redact?: <T>(value: T) => T;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** humanLine renders a pino record as the scripts' prefixed lines: `[backup] Warning: …`. */
export function humanLine(rec: Record<string, unknown>): string {
  const prefix = typeof rec.cmd === 'string' ? `[${rec.cmd}] ` : '';
  const level = Number(rec.level);
  const tag = level >= 50 ? 'Error: ' : level >= 40 ? 'Warning: ' : '';
  return `${prefix}${tag}${String(rec.msg ?? '')}\n`;
}

/**
 * createLogger returns a pino logger that writes synchronously to stderr and passes every record
 * through the shared redaction module, so no secret reaches a log line whatever a caller logs.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => writeSync(2, line));
  const stream = {
    write(line: string) {
      const rec = (options.redact ?? redactValue)(JSON.parse(line) as Record<string, unknown>);
      if (options.json) write(`${JSON.stringify({ ...rec, level: LEVEL_NAMES[Number(rec.level)] ?? rec.level })}\n`);
      else write(humanLine(rec));
    },
  };
  return pino({ level: options.level, base: undefined, timestamp: options.json ? pino.stdTimeFunctions.isoTime : false }, stream);
}
