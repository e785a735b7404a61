import { Redis } from 'ioredis';
import { throwIfAborted } from '../errors.js';
import { type ErrorContext, mapRedisError } from './falkor-errors.js';

/**
 * CommandPort is the seam between FalkorDB logic and the wire: one command in, the raw reply
 * out, or a mapped OpsError (see mapRedisError). Unit tests implement it with a scripted fake.
 */
export interface CommandPort {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** RedisPort is a CommandPort bound to one open connection; `close()` never throws. */
export interface RedisPort extends CommandPort {
  readonly where: string;
  close(): Promise<void>;
}

/** Connection settings after defaults; the password is only ever sent inside AUTH. */
export interface PortOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Secrets to redact from every message (the password, even though only AUTH carries it). */
  secrets: readonly string[];
  passwordConfigured: boolean;
  signal?: AbortSignal;
}

/** formatWhere renders `host:port`, bracketing IPv6 literals so the port stays readable. */
export function formatWhere(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

// Subcommand-style commands are labelled with their first argument; nothing else from argv
// ever reaches a message, so the AUTH password cannot leak through a label.
const SUBCOMMANDS = /^(CONFIG|MODULE|CLIENT|ACL|COMMAND|MEMORY)$/i;

function label(command: string, args: readonly string[]): string {
  const sub = args[0] !== undefined && SUBCOMMANDS.test(command) ? ` ${args[0]}` : '';
  return `${command}${sub}`.toUpperCase();
}

/**
 * openRedisPort opens one TCP connection with ioredis configured for a CLI, not a service: no
 * reconnects, no offline queue, no automatic AUTH or ready check (we do both explicitly, so a
 * `-LOADING` server still connects and a silent server fails within connect + command timeout).
 * An abort of `signal` while connecting disconnects and rejects with InterruptedError; other
 * failures reject with a mapped OpsError (FalkorUnreachableError for refused, timeout, DNS).
 * Once open, the port ignores the signal: cleanup (an undo, close) must still reach the server
 * after Ctrl-C, so per-operation aborts are the client's job (client.ts).
 */
export async function openRedisPort(options: PortOptions): Promise<RedisPort> {
  throwIfAborted(options.signal);
  const where = formatWhere(options.host, options.port);
  const redis = new Redis({
    host: options.host,
    port: options.port,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    disableClientInfo: true,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
  });
  let lastSocketError: Error | undefined;
  // Without a listener ioredis prints the error to the console, and an emitter without one throws.
  redis.on('error', (err: Error) => {
    if (err.name !== 'ReplyError') lastSocketError = err;
  });
  const onAbort = () => redis.disconnect();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const context = (command: string, aborted = false): ErrorContext => ({
    where,
    command,
    commandTimeoutMs: options.commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    passwordConfigured: options.passwordConfigured,
    secrets: options.secrets,
    aborted,
    lastSocketError,
  });
  try {
    await withDeadline(redis.connect(), options.connectTimeoutMs + 1000, () => redis.disconnect());
  } catch (err) {
    redis.disconnect();
    throw mapRedisError(err, context('connect', options.signal?.aborted));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  return {
    where,
    async close() {
      redis.disconnect();
    },
    async call(command, ...args) {
      try {
        return await redis.call(command, args);
      } catch (err) {
        throw mapRedisError(err, context(label(command, args)));
      }
    },
  };
}

// A safety net over ioredis' own connectTimeout: whatever happens inside the library, connect
// settles shortly after the configured timeout.
async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
