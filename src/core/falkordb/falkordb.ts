import type { Clock } from '../run/clock.js';
import { systemClock } from '../run/clock.js';
import { abortable, createFalkorClient } from './client.js';
import { openRedisPort, type RedisPort } from './connection.js';
import { FalkorAuthError, FalkorCommandError, FalkorLoadingError } from './falkor-errors.js';
import type { InfoSections } from './info.js';
import type { BgsaveResult, BgsaveStart, WaitForBgsaveOptions, WaitOptions } from './wait-save.js';

export { flattenInfo, infoField, infoNumber, parseInfo, type InfoSections } from './info.js';
export { systemClock, type Clock } from '../run/clock.js';
export {
  FalkorAuthError,
  FalkorCommandError,
  FalkorLoadingError,
  FalkorUnreachableError,
} from './falkor-errors.js';
export type { BgsaveResult, BgsaveStart, WaitForBgsaveOptions, WaitOptions } from './wait-save.js';

/** Where and how to reach FalkorDB. The password travels only inside the AUTH command. */
export interface FalkorConnectOptions {
  host: string;
  port: number;
  password?: string;
  /** ACL user; without it AUTH uses the `default` user, as `--requirepass` expects. */
  username?: string;
  /** TCP connect timeout (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Per-command timeout, also bounding the handshake of a server that never answers (default 5000 ms). */
  commandTimeoutMs?: number;
  /** Aborts connecting and every later operation with InterruptedError. */
  signal?: AbortSignal;
  /** Receives a warning when a password is configured but the server requires none. */
  log?: { warn(msg: string): void };
  /** Time source for ping's rtt and the poll loops (default systemClock); a test seam. */
  clock?: Clock;
}

/** PING's reply (`PONG`) and the round trip in milliseconds. */
export interface PingResult {
  reply: string;
  rttMs: number;
}

/** One loaded module from MODULE LIST; FalkorDB's is named `graph`. */
export interface FalkorModule {
  name: string;
  version: string;
  path?: string;
}

/** Puts back what a destructive step changed; a second call does nothing. */
export type Undo = () => Promise<void>;

/**
 * FalkorClient is the narrow port core code uses to talk to FalkorDB. Every method rejects
 * with an OpsError: FalkorUnreachableError / FalkorAuthError / FalkorLoadingError (exit 10),
 * FalkorCommandError or a timeout OpsError (exit 1), InterruptedError after an abort.
 */
export interface FalkorClient {
  /** `host:port`, for messages. */
  readonly where: string;
  /** PING; a server still loading its dataset rejects with FalkorLoadingError. */
  ping(): Promise<PingResult>;
  /** INFO [section], parsed by section. */
  info(section?: string): Promise<InfoSections>;
  /** CONFIG GET of one parameter; undefined when the server does not know it. */
  configGet(name: string): Promise<string | undefined>;
  /** CONFIG SET; an invalid name or value rejects with FalkorCommandError. */
  configSet(name: string, value: string): Promise<void>;
  /** DBSIZE: keys in the current database (FalkorDB stores one key per graph). */
  dbsize(): Promise<number>;
  /** LASTSAVE: unix seconds of the last successful save. */
  lastsave(): Promise<number>;
  /** Starts a fresh background save (see startBgsave); pass the result to waitForBgsave. */
  bgsave(options?: WaitOptions): Promise<BgsaveStart>;
  /** Waits until LASTSAVE moved past `since` with no save running; fails on a failed save or timeout. */
  waitForBgsave(options: WaitForBgsaveOptions): Promise<BgsaveResult>;
  /** Waits until no AOF rewrite runs or is scheduled. */
  waitForAofRewriteIdle(options?: WaitOptions): Promise<void>;
  /** Sets auto-aof-rewrite-percentage to 0 and returns the undo that restores the previous value. */
  suspendAofRewrite(): Promise<Undo>;
  /** MODULE LIST; [] when the server has no MODULE command. */
  moduleList(): Promise<FalkorModule[]>;
  /** GRAPH.LIST; undefined when the FalkorDB module is not loaded (plain Redis). */
  graphList(): Promise<string[] | undefined>;
  /** `redis_version` from INFO server. */
  serverVersion(): Promise<string | undefined>;
  /** Disconnects; never throws. */
  close(): Promise<void>;
}

function portOptions(options: FalkorConnectOptions, password: string | undefined) {
  return {
    host: options.host,
    port: options.port,
    connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    commandTimeoutMs: options.commandTimeoutMs ?? 5000,
    secrets: options.password ? [options.password] : [],
    passwordConfigured: password !== undefined && password !== '',
    signal: options.signal,
  };
}

const noPasswordOnServer = (err: unknown) =>
  err instanceof FalkorCommandError && /without any password configured|no password is set/i.test(err.reply);

/**
 * connectFalkor connects, authenticates with AUTH (never argv), and proves the server answers
 * by a PING, all within connect timeout + command timeout. A server that is still loading
 * counts as connected (its ping() then reports FalkorLoadingError). Rejects with
 * FalkorUnreachableError (refused, timeout, DNS, silent server), FalkorAuthError (wrong or
 * missing password; the message never contains the password) or InterruptedError.
 */
export async function connectFalkor(options: FalkorConnectOptions): Promise<FalkorClient> {
  const clock = options.clock ?? systemClock;
  const port = await openRedisPort(portOptions(options, options.password));
  try {
    const cmd = abortable(port, options.signal);
    const credentials = options.username ? [options.username, options.password ?? ''] : [options.password ?? ''];
    // AUTH and PING are pipelined so a silent server costs one command timeout, not two.
    const [auth, ping] = await Promise.allSettled([
      options.password ? cmd.call('AUTH', ...credentials) : Promise.resolve('OK'),
      cmd.call('PING'),
    ]);
    if (auth.status === 'rejected') {
      if (!noPasswordOnServer(auth.reason)) throw auth.reason;
      options.log?.warn(`A FalkorDB password is configured, but FalkorDB at ${port.where} does not require one.`);
    }
    if (ping.status === 'rejected' && !(ping.reason instanceof FalkorLoadingError)) throw ping.reason;
    return createFalkorClient(port, { clock, signal: options.signal });
  } catch (err) {
    await port.close();
    throw err;
  }
}

/**
 * probeAuthRequired connects WITHOUT credentials and reports whether PING is refused with
 * NOAUTH, i.e. whether the server really enforces a password (a configured password proves
 * nothing by itself). `-LOADING` counts as "not required": Redis checks auth before loading.
 * Rejects with FalkorUnreachableError or InterruptedError when it cannot tell.
 */
export async function probeAuthRequired(options: FalkorConnectOptions): Promise<boolean> {
  const port: RedisPort = await openRedisPort(portOptions(options, undefined));
  try {
    await abortable(port, options.signal).call('PING');
    return false;
  } catch (err) {
    if (err instanceof FalkorAuthError) return true;
    if (err instanceof FalkorLoadingError) return false;
    throw err;
  } finally {
    await port.close();
  }
}
