import { OpsError, throwIfAborted } from '../errors.js';
import type { Clock } from '../run/clock.js';
import type { CommandPort } from './connection.js';
import { FalkorCommandError } from './falkor-errors.js';
import { type InfoSections, infoField, infoNumber, parseInfo } from './info.js';

/** Poll settings shared by the persistence waits; an abort rejects with InterruptedError. */
export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** What BGSAVE did: `scheduled` means Redis queued it behind a running AOF rewrite. */
export interface BgsaveStart {
  status: 'started' | 'scheduled';
  /** LASTSAVE (unix seconds) read right before BGSAVE; pass this object to waitForBgsave. */
  lastsaveBefore: number;
}

/** waitForBgsave options: `since` is LASTSAVE before the save, or the BgsaveStart itself. */
export interface WaitForBgsaveOptions extends WaitOptions {
  since: number | BgsaveStart;
}

/** The finished snapshot: its LASTSAVE and how long Redis says the fork took to write it. */
export interface BgsaveResult {
  lastsave: number;
  durationSec?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_POLL_MS = 200;

async function persistence(port: CommandPort): Promise<InfoSections> {
  return parseInfo(String(await port.call('INFO', 'persistence')));
}

async function pollUntil<T>(
  clock: Clock,
  options: WaitOptions,
  check: () => Promise<T | undefined>,
  onTimeout: () => OpsError,
): Promise<T> {
  const deadline = clock.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    throwIfAborted(options.signal);
    const done = await check();
    if (done !== undefined) return done;
    const left = deadline - clock.now();
    if (left <= 0) throw onTimeout();
    await clock.sleep(Math.min(options.pollMs ?? DEFAULT_POLL_MS, left), options.signal);
  }
}

/**
 * startBgsave asks for a fresh RDB snapshot with `BGSAVE SCHEDULE` (queued behind an AOF
 * rewrite instead of failing). If a save is already running it waits for that one to finish and
 * asks again, because a snapshot forked before our call may miss the latest writes. LASTSAVE has
 * one-second resolution, so when a save already finished in the current second it first waits
 * for the next one; otherwise our save could finish with an unchanged LASTSAVE and never be seen.
 * Rejects with OpsError (exit 1) on a save error reply or when `timeoutMs` runs out.
 */
export async function startBgsave(port: CommandPort, clock: Clock, options: WaitOptions = {}): Promise<BgsaveStart> {
  const deadline = clock.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const timeout = () => new OpsError(`FalkorDB did not start a background save within ${fmtMs(options.timeoutMs)}.`);
  for (;;) {
    throwIfAborted(options.signal);
    if (clock.now() >= deadline) throw timeout();
    const lastsaveBefore = Number(await port.call('LASTSAVE'));
    const [sec, usec] = (await port.call('TIME')) as unknown[];
    if (lastsaveBefore >= Number(sec)) {
      await clock.sleep(Math.ceil((1_000_000 - Number(usec ?? 0)) / 1000) + 5, options.signal);
      continue;
    }
    try {
      const reply = String(await port.call('BGSAVE', 'SCHEDULE'));
      return { status: /scheduled/i.test(reply) ? 'scheduled' : 'started', lastsaveBefore };
    } catch (err) {
      if (!(err instanceof FalkorCommandError) || !/already in progress/i.test(err.reply)) throw err;
    }
    await pollUntil(
      clock,
      { ...options, timeoutMs: deadline - clock.now() },
      async () => (infoNumber(await persistence(port), 'rdb_bgsave_in_progress') === 0 ? true : undefined),
      timeout,
    );
  }
}

/**
 * waitForBgsave polls INFO persistence until the save is over (`rdb_bgsave_in_progress:0`) and
 * LASTSAVE moved past `since`. It rejects with OpsError (exit 1) naming `rdb_last_bgsave_status`
 * when the save failed, and with OpsError when `timeoutMs` (default 300 s) runs out.
 */
export async function waitForBgsave(port: CommandPort, clock: Clock, options: WaitForBgsaveOptions): Promise<BgsaveResult> {
  const since = typeof options.since === 'number' ? options.since : options.since.lastsaveBefore;
  // A "started" BGSAVE has forked already: once nothing is in progress, ours has ended.
  let sawRunning = typeof options.since !== 'number' && options.since.status === 'started';
  let last: InfoSections = {};
  return pollUntil(
    clock,
    options,
    async () => {
      last = await persistence(port);
      const running = infoNumber(last, 'rdb_bgsave_in_progress');
      const lastsave = infoNumber(last, 'rdb_last_save_time') ?? Number(await port.call('LASTSAVE'));
      if (running === 1) sawRunning = true;
      if (running !== 0) return undefined;
      // LASTSAVE only moves on success, so a moved LASTSAVE is a good snapshot.
      if (lastsave > since) return { lastsave, durationSec: infoNumber(last, 'rdb_last_bgsave_time_sec') };
      const status = infoField(last, 'rdb_last_bgsave_status');
      if (sawRunning && status !== undefined && status !== 'ok') {
        throw new OpsError(`FalkorDB's background save failed (rdb_last_bgsave_status:${status}).`, {
          hint: "Read the FalkorDB container's log (docker compose logs falkordb): a full disk or an unwritable data dir are the usual causes.",
        });
      }
      return undefined;
    },
    () =>
      new OpsError(
        `FalkorDB's background save did not finish within ${fmtMs(options.timeoutMs)} ` +
          `(rdb_bgsave_in_progress:${infoField(last, 'rdb_bgsave_in_progress') ?? '?'}, ` +
          `rdb_last_bgsave_status:${infoField(last, 'rdb_last_bgsave_status') ?? '?'}, LASTSAVE still ${since}).`,
        { hint: 'A large graph takes longer to save: raise the timeout, or check the FalkorDB log.' },
      ),
  );
}

/**
 * waitForAofRewriteIdle resolves once no AOF rewrite runs or is scheduled
 * (`aof_rewrite_in_progress:0`, `aof_rewrite_scheduled:0`): copying the multi-part AOF during a
 * rewrite can yield an invalid backup. Rejects with OpsError when `timeoutMs` runs out.
 */
export async function waitForAofRewriteIdle(port: CommandPort, clock: Clock, options: WaitOptions = {}): Promise<void> {
  let last: InfoSections = {};
  await pollUntil(
    clock,
    options,
    async () => {
      last = await persistence(port);
      const busy = infoNumber(last, 'aof_rewrite_in_progress') !== 0 || infoNumber(last, 'aof_rewrite_scheduled') !== 0;
      return busy ? undefined : true;
    },
    () =>
      new OpsError(
        `FalkorDB's AOF rewrite did not finish within ${fmtMs(options.timeoutMs)} ` +
          `(aof_rewrite_in_progress:${infoField(last, 'aof_rewrite_in_progress') ?? '?'}, ` +
          `aof_rewrite_scheduled:${infoField(last, 'aof_rewrite_scheduled') ?? '?'}).`,
        { hint: 'Retry later, or raise the timeout.' },
      ),
  );
}

function fmtMs(ms: number | undefined): string {
  return `${Math.round((ms ?? DEFAULT_TIMEOUT_MS) / 1000)} s`;
}
