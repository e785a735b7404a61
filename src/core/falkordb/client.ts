import { InterruptedError, OpsError } from '../errors.js';
import type { Clock } from '../run/clock.js';
import type { CommandPort, RedisPort } from './connection.js';
import type { FalkorClient, FalkorModule } from './falkordb.js';
import { FalkorCommandError } from './falkor-errors.js';
import { parseInfo } from './info.js';
import { startBgsave, waitForAofRewriteIdle, waitForBgsave } from './wait-save.js';

/** What createFalkorClient needs besides the connection; `signal` aborts every operation. */
export interface ClientDeps {
  clock: Clock;
  signal?: AbortSignal;
}

/**
 * abortable wraps a port so a call is not sent after `signal` aborted and an in-flight call
 * rejects with InterruptedError at once (its late reply is dropped, bounded by the command
 * timeout). Without a signal it returns the port unchanged.
 */
export function abortable(port: CommandPort, signal: AbortSignal | undefined): CommandPort {
  if (!signal) return port;
  return {
    call(command, ...args) {
      if (signal.aborted) return Promise.reject(new InterruptedError());
      const reply = port.call(command, ...args);
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(new InterruptedError());
        signal.addEventListener('abort', onAbort, { once: true });
        reply.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}

const isUnknownCommand = (err: unknown) => err instanceof FalkorCommandError && /unknown command/i.test(err.reply);

/** parseModuleList reads MODULE LIST's `[[name, graph, ver, 41412, …], …]` into records. */
export function parseModuleList(reply: unknown): FalkorModule[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter(Array.isArray).map((entry: unknown[]) => {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]).toLowerCase(), entry[i + 1]);
    const path = fields.get('path');
    return {
      name: String(fields.get('name') ?? ''),
      version: String(fields.get('ver') ?? ''),
      ...(path === undefined ? {} : { path: String(path) }),
    };
  });
}

const AOF_PERCENTAGE = 'auto-aof-rewrite-percentage';

/**
 * createFalkorClient builds the FalkorClient methods on an open connection. Every operation
 * honours `deps.signal` (InterruptedError); the undo of suspendAofRewrite deliberately does
 * not, because it runs during the cleanup that follows an interrupt.
 */
export function createFalkorClient(port: RedisPort, deps: ClientDeps): FalkorClient {
  const { clock } = deps;
  const cmd = abortable(port, deps.signal);
  const withSignal = <T extends { signal?: AbortSignal }>(o: T) => ({ ...o, signal: o.signal ?? deps.signal });

  const client: FalkorClient = {
    where: port.where,
    async ping() {
      const started = clock.now();
      const reply = await cmd.call('PING');
      return { reply: String(reply), rttMs: Math.round((clock.now() - started) * 100) / 100 };
    },
    async info(section) {
      return parseInfo(String(await cmd.call('INFO', ...(section ? [section] : []))));
    },
    async configGet(name) {
      const reply = await cmd.call('CONFIG', 'GET', name);
      return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
    },
    async configSet(name, value) {
      await cmd.call('CONFIG', 'SET', name, value);
    },
    async dbsize() {
      return Number(await cmd.call('DBSIZE'));
    },
    async lastsave() {
      return Number(await cmd.call('LASTSAVE'));
    },
    bgsave: (options = {}) => startBgsave(abortable(port, options.signal ?? deps.signal), clock, withSignal(options)),
    waitForBgsave: (options) => waitForBgsave(abortable(port, options.signal ?? deps.signal), clock, withSignal(options)),
    waitForAofRewriteIdle: (options = {}) =>
      waitForAofRewriteIdle(abortable(port, options.signal ?? deps.signal), clock, withSignal(options)),
    async suspendAofRewrite() {
      const previous = await client.configGet(AOF_PERCENTAGE);
      // Unknown parameter or already 0: there is nothing to suspend, so nothing to put back.
      if (previous === undefined || previous === '0') return async () => {};
      await client.configSet(AOF_PERCENTAGE, '0');
      let undone = false;
      return async () => {
        if (undone) return;
        undone = true;
        try {
          await port.call('CONFIG', 'SET', AOF_PERCENTAGE, previous);
        } catch (err) {
          throw new OpsError(
            `Could not restore ${AOF_PERCENTAGE} to ${previous} on FalkorDB at ${port.where}: ${(err as Error).message}`,
            {
              cause: err,
              hint: `Run CONFIG SET ${AOF_PERCENTAGE} ${previous} by hand (redis-cli with REDISCLI_AUTH), or restart FalkorDB, which reads it from its arguments again.`,
            },
          );
        }
      };
    },
    async moduleList() {
      try {
        return parseModuleList(await cmd.call('MODULE', 'LIST'));
      } catch (err) {
        if (isUnknownCommand(err)) return [];
        throw err;
      }
    },
    async graphList() {
      try {
        const reply = await cmd.call('GRAPH.LIST');
        return Array.isArray(reply) ? reply.map(String) : [];
      } catch (err) {
        // Plain Redis (the test stand-in, or FalkorDB started without its module) has no GRAPH.*.
        if (isUnknownCommand(err)) return undefined;
        throw err;
      }
    },
    async serverVersion() {
      return (await client.info('server')).server?.redis_version;
    },
    close: () => port.close(),
  };
  return client;
}
