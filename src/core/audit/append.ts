import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LockHeldError } from '../errors.js';
import { acquireLock, type Lock } from '../run/lock.js';
import { exists } from '../fs/exists.js';
import { listRotated, readHead, rotateFile, writeHead, type Head } from './files.js';
import { GENESIS, sealRecord, type AuditEntry, type AuditRecord, type ChainTip } from './record.js';

/** Where and how to append: the trail path and the rotation settings of OpsConfig.audit. */
export interface AppendOptions {
  path: string;
  /** Rotate before a write that would take the live file past this size; 0 = never. */
  maxBytes: number;
  /** Rotated files kept; 0 = keep all (original-scripts.md §8). */
  backups: number;
  /** How long to wait for other runs' appends to finish (default 30 s). */
  lockWaitSeconds?: number;
  now?: () => Date;
  log?: { warn(msg: string): void };
}

/** What an append did: the sealed record, and the rotated and pruned files if it rotated. */
export interface AppendResult {
  record: AuditRecord;
  rotatedTo?: string;
  pruned: string[];
}

// Records are a few hundred bytes; 256 KiB of tail always holds the last complete one.
const TAIL_BYTES = 256 * 1024;

interface TailRecord extends ChainTip {
  prev: string;
}

function parseTip(line: string): TailRecord | undefined {
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    if (typeof r.seq === 'number' && typeof r.hash === 'string' && typeof r.prev === 'string') return { seq: r.seq, hash: r.hash, prev: r.prev };
  } catch {
    // A torn or foreign line; the caller looks further back.
  }
  return undefined;
}

/** readEdgeRecord returns the first or last parseable record of a file (undefined when none or missing). */
export async function readEdgeRecord(file: string, edge: 'first' | 'last'): Promise<TailRecord | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, edge === 'last' ? size - length : 0);
    const lines = buf.toString('utf8').split('\n');
    if (edge === 'first') return lines.map(parseTip).find(Boolean);
    for (let i = lines.length - 1; i >= 0; i--) {
      const tip = parseTip(lines[i]!);
      if (tip) return tip;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

/**
 * The tip to chain after. The head is the authority: if the file does not end where the head
 * says (records cut off, or edited), the new record still follows the head, so the break stays
 * visible to `audit verify` instead of being papered over. The one exception is a head exactly
 * one record behind, left by a run that died between appending and updating the head.
 */
async function resolveTip(path: string, log?: AppendOptions['log']): Promise<{ tip: ChainTip; base?: Head['base'] }> {
  const head = await readHead(path);
  let last = await readEdgeRecord(path, 'last');
  if (!last) {
    const rotated = await listRotated(path);
    last = rotated.length ? await readEdgeRecord(rotated[rotated.length - 1]!.path, 'last') : undefined;
  }
  const lastTip = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
  if (head === undefined) {
    if (last) log?.warn(`The audit head file ${path}.head is missing; it is recreated from the last record (seq ${last.seq}).`);
    return { tip: lastTip };
  }
  if ('corrupt' in head) {
    log?.warn(`The audit head file ${path}.head is damaged (${head.corrupt}); continuing from the last record; run \`autocodex-ops audit verify\`.`);
    return { tip: lastTip };
  }
  if (last && (last.hash === head.hash || (last.prev === head.hash && last.seq === head.seq + 1))) return { tip: lastTip, base: head.base };
  if (last || head.seq > 0) {
    log?.warn(`The audit trail ${path} does not end at the record its head names (seq ${head.seq}); the new record follows the head. Run \`autocodex-ops audit verify\`.`);
  }
  return { tip: { seq: head.seq, hash: head.hash }, base: head.base };
}

// Appends one line with a single write; a torn last line from a crashed run is closed off first
// so the new record always starts on its own line.
async function appendLine(path: string, line: string): Promise<void> {
  const fh = await open(path, 'a+', 0o600);
  try {
    const { size } = await fh.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await fh.write(prefix + line);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const lockTarget = (path: string) => basename(path).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]/, 'x');

/**
 * Takes `<path>.lock` through the ops lock (O_EXCL, stale-lock takeover), waiting with jittered
 * exponential backoff. A held lock is normally gone within milliseconds, so waiters mostly probe
 * with one cheap stat and run the full lock attempt (which also clears a dead run's lock) only
 * when the file is gone or once a second: with acquireLock's fixed poll, two dozen runs ending
 * at once spent more CPU polling than the holder had to finish (measured on 2 cores).
 */
async function lockTrail(path: string, command: string, waitSeconds: number, log?: AppendOptions['log']): Promise<Lock> {
  const dir = dirname(path);
  const target = lockTarget(path);
  const file = join(dir, `${target}.lock`);
  const deadline = Date.now() + waitSeconds * 1000;
  let backoff = 4;
  let lastFull = 0;
  for (;;) {
    if (!(await exists(file)) || Date.now() - lastFull >= 1000 || Date.now() >= deadline) {
      lastFull = Date.now();
      try {
        return await acquireLock({ dir, target, command, log });
      } catch (err) {
        if (!(err instanceof LockHeldError) || Date.now() >= deadline) throw err;
      }
    }
    await delay(backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, 64);
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await exists(path)) ? (await stat(path)).size : 0;
}

/**
 * appendAuditRecord seals `entry` after the current tip and appends it to the trail, under a
 * short cross-process lock (`<path>.lock`, O_EXCL) held across read-head/append/update-head so
 * concurrent runs never interleave a line or fork the chain. It rotates first when the live file
 * would pass `maxBytes`, and then prunes to `backups` rotated files, recording in the head where
 * the kept chain starts. The folder is created (0700) and the file is mode 0600. It throws when
 * the lock cannot be had within `lockWaitSeconds` (LockHeldError) or the file cannot be written.
 */
export async function appendAuditRecord(entry: AuditEntry, options: AppendOptions): Promise<AppendResult> {
  const { path, log } = options;
  const now = options.now ?? (() => new Date());
  // As root: never in a folder another user could swap for a link (checked again once created).
  assertSafeOutputDir(dirname(path), 'the audit log folder');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  assertSafeOutputDir(dirname(path), 'the audit log folder');
  // No abort signal: the record of an interrupted run must still be written.
  const lock = await lockTrail(path, `audit append (${entry.command})`, options.lockWaitSeconds ?? 30, log);
  try {
    const { tip, base: oldBase } = await resolveTip(path, log);
    const { record, line } = sealRecord(entry, tip);
    let rotatedTo: string | undefined;
    const size = await sizeOf(path);
    if (options.maxBytes > 0 && size > 0 && size + Buffer.byteLength(line) > options.maxBytes) rotatedTo = await rotateFile(path, now());
    await appendLine(path, line);

    let base = oldBase;
    let doomed: string[] = [];
    if (rotatedTo && options.backups > 0) {
      const rotated = await listRotated(path);
      const cut = Math.max(0, rotated.length - options.backups);
      doomed = rotated.slice(0, cut).map((r) => r.path);
      const oldestKept = cut > 0 ? await readEdgeRecord(rotated[cut]!.path, 'first') : undefined;
      if (oldestKept) base = { seq: oldestKept.seq - 1, hash: oldestKept.prev };
    }
    // The head (with the new base) is written before old files go, so a crash in between leaves
    // extra old files that verify skips, never a chain start it cannot account for.
    await writeHead(path, { v: 1, seq: record.seq, hash: record.hash, updatedAt: now().toISOString(), ...(base ? { base } : {}) });
    for (const file of doomed) await unlink(file).catch(() => undefined);
    return { record, rotatedTo, pruned: doomed };
  } finally {
    await lock.release();
  }
}
