import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The `prev` of the very first record of a trail: 64 zeros. */
export const GENESIS = '0'.repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/** How a run ended: `ok` (exit 0), `interrupted` (exit 130 or a signal) or `failed` (any other exit code). */
export const OUTCOMES = ['ok', 'failed', 'interrupted'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * auditRecordSchema is one line of the audit trail (format version 1). Unknown fields are kept,
 * so a newer writer's records still verify: the hash covers every field but `hash` itself.
 */
export const auditRecordSchema = z.looseObject({
  v: z.literal(1),
  seq: z.number().int().positive(),
  time: z.string(),
  startedAt: z.string(),
  durationMs: z.number().int().nonnegative(),
  tool: z.string(),
  version: z.string(),
  user: z.string(),
  host: z.string(),
  pid: z.number().int(),
  root: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  outcome: z.enum(OUTCOMES),
  exitCode: z.number().int(),
  error: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  prev: hex64,
  hash: hex64,
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** The fields a caller supplies; the store adds `v`, `seq`, `prev` and `hash`. */
export interface AuditEntry {
  time: string;
  startedAt: string;
  durationMs: number;
  tool: string;
  version: string;
  user: string;
  host: string;
  pid: number;
  root: string;
  command: string;
  args: string[];
  outcome: Outcome;
  exitCode: number;
  error?: string;
  details: Record<string, unknown>;
}

/** Where the chain stands: the sequence number and hash of the newest record (seq 0 + GENESIS when empty). */
export interface ChainTip {
  seq: number;
  hash: string;
}

/**
 * canonicalJson serialises a JSON value with object keys sorted (code-unit order) and no
 * whitespace — the same bytes as `jq -cS`, so a record's hash can be recomputed by hand.
 * It throws TypeError on values JSON cannot carry (undefined inside arrays, functions, bigint).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
}

/** recordHash is the SHA-256 (hex) of the canonical JSON of a record without its `hash` field. */
export function recordHash(record: Record<string, unknown>): string {
  const { hash: _ignored, ...body } = record;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * sealRecord chains an entry after `tip`: seq tip.seq+1, prev tip.hash, and its own hash.
 * The line keeps the fields in reading order (v, seq, time, …, prev, hash); the hash is over
 * the canonical form, so key order on disk does not matter.
 */
export function sealRecord(entry: AuditEntry, tip: ChainTip): { record: AuditRecord; line: string } {
  const body = { v: 1 as const, seq: tip.seq + 1, ...entry, prev: tip.hash };
  const record: AuditRecord = { ...body, hash: recordHash(body) };
  return { record, line: `${JSON.stringify(record)}\n` };
}
