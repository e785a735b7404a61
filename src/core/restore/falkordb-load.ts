import type { ArchiveEntry } from '../archive/read-archive.js';
import type { ContainerInfo } from '../docker/docker.js';
import type { ArchiveData, ServerPersistence } from '../falkordb/load-plan.js';
import { serverArg } from '../falkordb/server-args.js';

// Issue 23 §8: a restore makes the server load what the archive holds, whatever its AOF setting.
// The decision itself is load-plan.ts (shared with drill); this file finds the server's settings,
// reads the archive's names for the plan, and carries out the layout after the extraction.


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

/**
 * dataFromNames is what the archive holds as far as its entry names tell (no heads read): enough
 * for the plan to say how the server will load it. The full ArchiveData comes from the re-check
 * right before the stop (held-archive.ts). Pure.
 */
export function dataFromNames(entries: readonly ArchiveEntry[]): ArchiveData {
  const data: ArchiveData = { rdb: new Map(), aofDirs: new Map(), legacyAof: new Map() };
  for (const e of entries) {
    if (e.type !== 'File' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') continue;
    const parts = e.path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 1 && parts[0]!.endsWith('.rdb')) data.rdb.set(parts[0]!, undefined);
    else if (parts.length === 1 && parts[0]!.endsWith('.aof')) data.legacyAof.set(parts[0]!, { commands: 0, flushes: 0, writesAfterFlush: 0, resp: true });
    else if (parts.length === 2 && /\.(manifest|base\.rdb|incr\.aof|base\.aof)$/.test(parts[1]!) && !data.aofDirs.has(parts[0]!)) {
      data.aofDirs.set(parts[0]!, { counts: { commands: 0, flushes: 0, writesAfterFlush: 0, resp: true } });
    }
  }
  return data;
}

// Carrying the layout out is shared with harden: core/stack/falkordb-layout.ts.
export { layOutForLoad } from '../stack/falkordb-layout.js';
