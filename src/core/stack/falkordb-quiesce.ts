import type { FalkorClient } from '../falkordb/falkordb.js';
import { infoField } from '../falkordb/info.js';
import { stopContainers } from '../docker/stop-start.js';
import type { CleanupStack } from '../run/cleanup.js';
import type { BackupDocker } from './falkor-data.js';
import type { BackupLog } from '../backup-store/store-backup.js';
import { once } from '../run/once.js';

/** The FalkorDB calls a backup makes. */
export type BackupFalkor = Pick<
  FalkorClient,
  'where' | 'info' | 'configGet' | 'dbsize' | 'lastsave' | 'bgsave' | 'waitForBgsave' | 'waitForAofRewriteIdle' | 'suspendAofRewrite' | 'moduleList' | 'graphList' | 'close'
>;

/** What the server said about itself, for the manifest. */
export interface ServerFacts {
  version?: string;
  modules: Array<{ name: string; version: string }>;
  dataDir?: string;
  appendonly: boolean;
  /** Unix seconds of the last successful save, and the same as ISO time. */
  lastsave: number;
  lastsaveAt: string;
  /** DBSIZE: FalkorDB keeps one key per graph. */
  keys: number;
  /** GRAPH.LIST; absent when the FalkorDB module is not loaded. */
  graphs?: string[];
}

/** readServerFacts asks INFO server, CONFIG GET dir/appendonly, DBSIZE, LASTSAVE, MODULE LIST and GRAPH.LIST; rejects as the client does. */
export async function readServerFacts(client: BackupFalkor): Promise<ServerFacts> {
  const [server, appendonly, dataDir, keys, lastsave, modules, graphs] = await Promise.all([
    client.info('server'),
    client.configGet('appendonly'),
    client.configGet('dir'),
    client.dbsize(),
    client.lastsave(),
    client.moduleList(),
    client.graphList(),
  ]);
  return {
    version: infoField(server, 'redis_version'),
    modules: modules.map(({ name, version }) => ({ name, version })),
    ...(dataDir ? { dataDir } : {}),
    appendonly: appendonly === 'yes',
    lastsave,
    lastsaveAt: new Date(lastsave * 1000).toISOString(),
    keys,
    ...(graphs ? { graphs } : {}),
  };
}

/**
 * quiesceForSave takes a fresh RDB snapshot (BGSAVE, then wait until LASTSAVE moved with
 * `rdb_last_bgsave_status:ok`; a failed save rejects with exit 1, never ignored as the original
 * did). With appendonly on it first suspends AOF rewrites and waits until none runs, because the
 * AOF is what FalkorDB loads and a rewrite mid-copy breaks it (anchors-and-gotchas.md §A.4).
 * The returned `resume` puts auto-aof-rewrite-percentage back; it is also on `stack`, so it runs
 * on success, failure and Ctrl-C, and a second call shares the first one's outcome.
 */
export async function quiesceForSave(
  client: BackupFalkor,
  stack: CleanupStack,
  options: { appendonly: boolean; timeoutMs: number; signal?: AbortSignal; log: BackupLog },
): Promise<{ lastsave: number; resume: () => Promise<void> }> {
  let resume: () => Promise<void> = async () => {};
  if (options.appendonly) {
    resume = once(await client.suspendAofRewrite());
    stack.defer('restore auto-aof-rewrite-percentage', resume);
    options.log.info('AOF is on: automatic AOF rewrites are suspended until the files are read.');
    await client.waitForAofRewriteIdle({ timeoutMs: options.timeoutMs, signal: options.signal });
  }
  options.log.info(`Triggering a background save (BGSAVE) on FalkorDB at ${client.where}.`);
  const started = await client.bgsave({ timeoutMs: options.timeoutMs, signal: options.signal });
  const saved = await client.waitForBgsave({ since: started, timeoutMs: options.timeoutMs, signal: options.signal });
  options.log.info(`Background save finished (LASTSAVE ${new Date(saved.lastsave * 1000).toISOString()}).`);
  return { lastsave: saved.lastsave, resume };
}

/**
 * stopForBackup stops FalkorDB and Graphiti MCP, each only if it runs (Graphiti first, since it
 * depends on FalkorDB), and returns `resume`, which starts exactly the ones it stopped. resume is
 * also on `stack` (success, failure, Ctrl-C); a second call shares the first one's outcome.
 */
export async function stopForBackup(
  docker: BackupDocker,
  stack: CleanupStack,
  options: { falkordbId?: string; graphitiId?: string; graceSeconds: number; signal?: AbortSignal; log: BackupLog },
): Promise<{ stopped: string[]; resume: () => Promise<void> }> {
  const ids = [options.falkordbId, options.graphitiId].filter((id): id is string => id !== undefined);
  const result = await stopContainers(docker, ids, { timeoutSeconds: options.graceSeconds, signal: options.signal });
  const resume = once(async () => {
    await result.undo();
    if (result.stopped.length > 0) options.log.info(`Restarted ${result.stopped.length} container(s) stopped for the backup.`);
  });
  stack.defer('restart the containers stopped for the backup', resume);
  options.log.info(`Stopped ${result.stopped.length} of ${ids.length} container(s) for a consistent copy (${result.skipped.length} were not running).`);
  return { stopped: result.stopped, resume };
}
