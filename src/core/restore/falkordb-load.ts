import type { ContainerInfo } from '../docker/docker.js';
import type { ServerPersistence } from '../falkordb/load-plan.js';
import { serverArg } from '../falkordb/server-args.js';

// Issue 23 §8: a restore makes the server load what the archive holds, whatever its AOF setting.
// The decision itself is load-plan.ts (shared with drill); this file finds the server's settings
// and carries out the layout after the extraction.

/**
 * persistenceFor picks the settings the restored server will start with: what the live server said
 * (CONFIG GET), else its container's REDIS_ARGS/FALKORDB_ARGS (Redis defaults: appendonly no,
 * appendonlydir, appendonly.aof, dump.rdb); undefined without a FalkorDB container. Pure.
 */
export function persistenceFor(asked: ServerPersistence | undefined, container: ContainerInfo | undefined): ServerPersistence | undefined {
  if (asked) return asked;
  if (!container) return undefined;
  const value = (name: string) => serverArg(container.env.get('REDIS_ARGS'), container.env.get('FALKORDB_ARGS'), name)?.value;
  return {
    appendonly: value('appendonly') === 'yes',
    appenddirname: value('appenddirname') ?? 'appendonlydir',
    appendfilename: value('appendfilename') ?? 'appendonly.aof',
    dbfilename: value('dbfilename') ?? 'dump.rdb',
  };
}

// Carrying the layout out is shared with harden: core/stack/falkordb-layout.ts.
export { layOutForLoad } from '../stack/falkordb-layout.js';
