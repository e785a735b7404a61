import type { Clock } from '../run/clock.js';
import { InterruptedError, OpsError } from '../errors.js';
import type { FalkorClient, FalkorConnectOptions } from '../falkordb/falkordb.js';
import { FalkorAuthError } from '../falkordb/falkor-errors.js';
import { loadProblem, type LoadExpectation } from '../falkordb/load-plan.js';

/** The FalkorDB calls a restore (and harden's check of the restored data) makes. */
export type RestoreFalkor = Pick<FalkorClient, 'where' | 'ping' | 'dbsize' | 'graphList' | 'moduleList' | 'close'> & Partial<Pick<FalkorClient, 'configGet'>>;

/** Opens a FalkorDB connection (connectFalkor in production, a fake in tests). */
export type ConnectFalkor = (options: FalkorConnectOptions) => Promise<RestoreFalkor>;

/** What the restored data must look like: the manifest's key count and graph names, when it has them. */
export interface ExpectedData {
  keys?: number;
  graphs?: string[];
  /** A live-mode backup may have caught writes in flight: differences are warnings then. */
  lenient?: boolean;
  /** What the archive's own RDB/AOF promise (load-plan.ts), manifest or not: never lenient. */
  load?: LoadExpectation;
}

/** What the server answered after the restore. */
export interface ServerData {
  ping: string;
  keys: number;
  graphs?: string[];
  expectedKeys?: number;
  expectedGraphs?: string[];
  warnings: string[];
}

/** How checkServerData reaches the server and how long it may wait for it. */
export interface CheckServerOptions {
  connect: ConnectFalkor;
  server: Omit<FalkorConnectOptions, 'signal'>;
  /** clock.now() value after which waiting for a starting or LOADING server fails. */
  deadline: number;
  clock: Clock;
  pollMs?: number;
  signal?: AbortSignal;
}

async function answeringClient(options: CheckServerOptions): Promise<{ client: RestoreFalkor; ping: string }> {
  let last: unknown;
  for (;;) {
    let client: RestoreFalkor | undefined;
    try {
      client = await options.connect({ connectTimeoutMs: 2000, commandTimeoutMs: 5000, ...options.server, signal: options.signal });
      const { reply } = await client.ping();
      return { client, ping: reply };
    } catch (error) {
      await client?.close();
      if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
      // A wrong password will not fix itself; a server that is starting or LOADING will.
      if (error instanceof FalkorAuthError) throw error;
      last = error;
    }
    if (options.clock.now() >= options.deadline) {
      throw new OpsError(`FalkorDB did not answer an authenticated PING in time: ${last instanceof Error ? last.message : String(last)}`, {
        hint: 'The restored data may not load with this FalkorDB build, or the server needs longer (raise --health-timeout / RESTORE_HEALTH_TIMEOUT_SECS).',
      });
    }
    try {
      await options.clock.sleep(options.pollMs ?? 500, options.signal);
    } catch (error) {
      throw new InterruptedError(undefined, { cause: error });
    }
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/**
 * checkServerData proves the restored data is live: an authenticated PING answered (retrying while
 * the server starts or answers LOADING, until `deadline`), then DBSIZE and GRAPH.LIST compared with
 * `expected`. It rejects with OpsError when the server does not answer in time or the key count or
 * graph names differ (warnings instead for a lenient expectation), FalkorAuthError (exit 10) on a
 * wrong password, InterruptedError on abort. The connection is always closed.
 */
export async function checkServerData(options: CheckServerOptions, expected: ExpectedData = {}): Promise<ServerData> {
  const { client, ping } = await answeringClient(options);
  try {
    const [keys, graphs] = await Promise.all([client.dbsize(), client.graphList()]);
    const result: ServerData = { ping, keys, ...(graphs ? { graphs } : {}), warnings: [] };
    const problems: string[] = [];
    if (expected.keys !== undefined) {
      result.expectedKeys = expected.keys;
      if (keys !== expected.keys) problems.push(`FalkorDB holds ${keys} keys after the restore, the backup's manifest says ${expected.keys}`);
    }
    if (expected.graphs !== undefined && graphs !== undefined) {
      result.expectedGraphs = expected.graphs;
      if (!sameSet(graphs, expected.graphs)) problems.push(`the graphs after the restore (${graphs.join(', ') || 'none'}) differ from the manifest's (${expected.graphs.join(', ') || 'none'})`);
    }
    // The files' own promise is checked even for a live-mode backup: 0 keys from a full RDB is no race.
    const fromFiles = expected.load && loadProblem(keys, expected.load);
    if (fromFiles) {
      throw new OpsError(`FalkorDB did not load its data: ${fromFiles}.`, {
        hint: 'The server ignored or could not read the restored files (appendonly yes loads only the AOF; an RDB from another build may not load). `autocodex-ops drill falkordb <archive>` shows what the archive loads to.',
      });
    }
    if (problems.length > 0 && !expected.lenient) {
      throw new OpsError(`The restored data does not match the backup: ${problems.join('; ')}.`, {
        hint: 'The archive may be incomplete, or the server loaded other files (an appendonlydir next to dump.rdb wins when appendonly is on).',
      });
    }
    result.warnings.push(...problems.map((p) => `${p} (a live-mode backup may have caught writes in flight)`));
    return result;
  } finally {
    await client.close();
  }
}
