import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { throwIfAborted } from '../errors.js';
import { SECRET_KEY } from '../redact/redact.js';

/** The marker every redaction leaves (core/redact's REDACTED). */
const MARK = '***';
/** Values shorter than this are not scrubbed as known secrets: `yes` or `6379` would mangle every line. */
const MIN_SECRET_LENGTH = 6;

function countMarks(text: string): number {
  let n = 0;
  for (let i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK, i + MARK.length)) n += 1;
  return n;
}

/**
 * BundleRedactor is the redaction pass every text of a bundle goes through: first the secret values
 * this bundle learned on its own (container environments, settings, other .env files), longest
 * first, then the run's redactor (the app's patterns and the configuration's secrets). It counts
 * what it masked, for index.md.
 */
export class BundleRedactor {
  readonly #base: (text: string) => string;
  readonly #secrets = new Set<string>();
  #sorted: string[] = [];

  constructor(base: (text: string) => string) {
    this.#base = base;
  }

  /**
   * addSecret makes every later text scrub this exact value (too-short values are ignored), and
   * the password inside it when it is a server command line (`--requirepass <pw>`).
   */
  addSecret(value: string | undefined): void {
    for (const m of (value ?? '').matchAll(/(?:requirepass|masterauth)[\s=]+(\S+)/gi)) this.#add(m[1]);
    this.#add(value);
  }

  #add(value: string | undefined): void {
    const v = value?.trim();
    if (!v || v.length < MIN_SECRET_LENGTH || this.#secrets.has(v)) return;
    this.#secrets.add(v);
    this.#sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
  }

  /** redact returns the text with every secret masked and how many values were masked. */
  redact(text: string): { text: string; masked: number } {
    let out = text;
    let masked = 0;
    for (const secret of this.#sorted) {
      const pieces = out.split(secret);
      masked += pieces.length - 1;
      out = pieces.join(MARK);
    }
    // A JSON field named like a secret (`"api_key": "x"`), which the app's key=value rule misses (app-rules.md §3).
    out = out.replace(/("([A-Za-z0-9_.-]+)"\s*:\s*")((?:[^"\\]|\\.)+)(")/g, (m, open: string, key: string, _v: string, close: string) => {
      if (!SECRET_KEY.test(key) || _v === MARK) return m;
      masked += 1;
      return `${open}${MARK}${close}`;
    });
    const before = countMarks(out);
    out = this.#base(out);
    // The base redactor replaces each secret by one marker and never removes one.
    masked += Math.max(0, countMarks(out) - before);
    return { text: out, masked };
  }
}

/** What redactFile copied. */
export interface RedactedCopy {
  bytes: number;
  masked: number;
}

const CHUNK = 256 * 1024;

// How far past `end` a copy may read to finish its last line (a log still being written).
const FINISH_LINE = 64 * 1024;

/**
 * redactFile reads `path` from byte `from` (0: all of it; otherwise from the first line that starts
 * after `from`, so no line is cut) up to byte `end` (the size when it was listed: a log that grows
 * meanwhile does not burst the size cap), finishing the last line past `end` when it is cut there.
 * It hands redacted text to `write`, whole lines at a time, so a secret is never split between two
 * redaction passes. Memory is bounded by the longest line.
 */
export async function redactFile(
  path: string,
  from: number,
  redactor: BundleRedactor,
  write: (text: string) => Promise<void>,
  signal?: AbortSignal,
  end = Number.POSITIVE_INFINITY,
): Promise<RedactedCopy> {
  // O_NOFOLLOW: a file swapped for a link since it was listed is refused (ELOOP), not followed.
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(CHUNK);
  let position = from;
  let carry = '';
  let skipping = from > 0;
  let bytes = 0;
  let masked = 0;
  const emit = async (text: string) => {
    if (!text) return;
    const r = redactor.redact(text);
    masked += r.masked;
    bytes += Buffer.byteLength(r.text);
    await write(r.text);
  };
  try {
    for (;;) {
      throwIfAborted(signal);
      const past = position >= end;
      // Past `end` only to finish a cut line, and never far.
      if (past && (carry === '' || position >= end + FINISH_LINE)) break;
      const { bytesRead } = await fh.read(buffer, 0, past ? Math.min(CHUNK, 4096) : Math.min(CHUNK, end - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      carry += decoder.write(buffer.subarray(0, bytesRead));
      if (skipping) {
        const nl = carry.indexOf('\n');
        if (nl < 0) {
          carry = '';
          continue;
        }
        carry = carry.slice(nl + 1);
        skipping = false;
      }
      // Before `end`: every whole line. Past it: only the line that was cut, then stop.
      const last = past ? carry.indexOf('\n') : carry.lastIndexOf('\n');
      if (last >= 0) {
        await emit(carry.slice(0, last + 1));
        carry = past ? '' : carry.slice(last + 1);
      }
      if (past && last >= 0) break;
    }
    if (!skipping) await emit(carry + decoder.end());
  } finally {
    await fh.close();
  }
  return { bytes, masked };
}
