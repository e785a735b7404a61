import { locateFalkorData, type BackupDocker, type FalkorData, type LocateOptions } from '../stack/falkor-data.js';
import type { ManifestView } from '../backup-store/manifest.js';
import { MOUNT_TRAP_HINT } from '../stack/falkor-data.js';
import { LEGACY_DATA_PATH } from '../docker/data-volume.js';
import type { ContainerInfo, DockerApi } from '../docker/docker.js';
import { resolveHelperImage } from '../docker/helper-container.js';
import { OpsError } from '../errors.js';
import type { FalkorConnectOptions } from '../falkordb/falkordb.js';
import type { ServerPersistence } from '../falkordb/load-plan.js';

/** The Docker calls a FalkorDB restore makes. */
export type RestoreDocker = BackupDocker & Pick<DockerApi, 'startContainer' | 'containerLogs'>;

import type { ConnectFalkor, RestoreFalkor } from '../stack/falkordb-verify.js';
export type { ConnectFalkor, RestoreFalkor } from '../stack/falkordb-verify.js';

/** What a FalkorDB restore works on: the located data, the volume, and the helper image it will use. */
export interface FalkorTarget {
  data: FalkorData;
  volume: string;
  /** The local image helpers are made from (the FalkorDB container's own image first). */
  helperImage: string;
  warnings: string[];
}

/**
 * locateRestoreTarget finds FalkorDB, Graphiti MCP and the data volume as a backup does
 * (PrerequisiteError, exit 10, when the engine, volume or every helper image is missing) and
 * refuses, before anything is touched, a data folder that is a bind mount or a volume that another
 * running container also uses (OpsError, exit 1: the wipe would pull data from under it). A volume
 * mounted at /data (the FalkorDB mount trap) is a warning: the server will not read what is restored.
 */
export async function locateRestoreTarget(docker: RestoreDocker, options: LocateOptions): Promise<FalkorTarget> {
  const data = await locateFalkorData(docker, options);
  if (data.storage.kind === 'bind') {
    throw new OpsError(`FalkorDB's data folder is the bind mount ${data.storage.source}, not a Docker volume; this command restores volumes only. Nothing was changed.`, {
      hint: `Stop FalkorDB, move ${data.storage.source} aside, recreate it empty and run: tar -xzf <archive> -C '${data.storage.source}'`,
    });
  }
  const warnings: string[] = [];
  if (data.storage.from === 'mount' && data.storage.destination === LEGACY_DATA_PATH) {
    warnings.push(`The volume ${data.storage.name} is mounted at /data, where current FalkorDB images do not keep their data: the server will probably not load what is restored. ${MOUNT_TRAP_HINT}`);
  }
  const volume = data.storage.name;
  const helperImage = await resolveHelperImage(docker, data.helperImages, { signal: options.signal });
  const ours = new Set([data.falkordb?.id, data.graphiti?.id]);
  // No signal: the adapter inspects every container at once, each request adding an abort
  // listener to it, and more than ten trip Node's MaxListenersExceededWarning on the operator's terminal.
  const users = (await docker.listContainers({})).filter(
    (c) => c.running && !ours.has(c.id) && c.mounts.some((m) => m.type === 'volume' && m.name === volume),
  );
  if (users.length > 0) {
    throw new OpsError(`The volume ${volume} is also used by running container(s) ${users.map((c) => c.name).join(', ')}; wiping it would pull the data from under them. Nothing was changed.`, {
      hint: `Stop them first (docker stop ${users.map((c) => c.name).join(' ')}), then run the restore again.`,
    });
  }
  return { data, volume, helperImage, warnings };
}

const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);

/** The FalkorDB module version a manifest recorded (MODULE LIST `graph`), if any. */
function manifestModule(manifest: ManifestView): string | undefined {
  const modules = field(manifest, 'server', 'modules');
  if (!Array.isArray(modules)) return undefined;
  const graph = modules.find((m) => field(m, 'name') === 'graph');
  const version = field(graph, 'version');
  return version === undefined ? undefined : String(version);
}

/**
 * buildWarnings compares what made the archive (its manifest's image id and FalkorDB module
 * version) with the container and server that will load it: an RDB written by another module build
 * may fail to load (anchors-and-gotchas.md §A.5). Differences are warnings, never errors; an
 * archive without a manifest yields one warning that nothing could be compared. Pure.
 */
export function buildWarnings(manifest: ManifestView | undefined, container: ContainerInfo | undefined, runningModule: string | undefined): string[] {
  if (!manifest) return ["The archive has no manifest (made by the original scripts?): its FalkorDB build cannot be compared; after the restore the key count is checked against what its RDB/AOF hold."];
  const out: string[] = [];
  const imageId = field(manifest, 'source', 'container', 'imageId');
  const image = field(manifest, 'source', 'container', 'image');
  if (container && typeof imageId === 'string' && imageId !== container.imageId) {
    out.push(`The archive was made by FalkorDB image ${String(image ?? imageId)} (${imageId.slice(0, 19)}), but ${container.name} runs ${container.image} (${container.imageId.slice(0, 19)}): an RDB from another module build may not load.`);
  }
  const recorded = manifestModule(manifest);
  if (recorded !== undefined && runningModule !== undefined && recorded !== runningModule) {
    out.push(`The archive was made with FalkorDB module version ${recorded}, the running server has ${runningModule}: an RDB from another module build may not load.`);
  }
  return out;
}

/** What the running server says before the restore: its module version and key count, when it can be asked. */
export interface ServerBefore {
  reachable: boolean;
  module?: string;
  keys?: number;
  graphs?: string[];
  problem?: string;
  /** Its persistence settings (CONFIG GET), when it answered them: how it will load what is restored. */
  persistence?: ServerPersistence;
}

/** CONFIG GET of the four settings that decide what a server loads at start-up; undefined when not answered. */
async function persistenceOf(client: RestoreFalkor): Promise<ServerPersistence | undefined> {
  if (!client.configGet) return undefined;
  const [appendonly, appenddirname, appendfilename, dbfilename] = await Promise.all(['appendonly', 'appenddirname', 'appendfilename', 'dbfilename'].map((n) => client.configGet!(n).catch(() => undefined)));
  if (appendonly === undefined || !appendfilename || !dbfilename) return undefined;
  // Redis 6 has no appenddirname (its AOF is one file); 7's default is appendonlydir.
  return { appendonly: appendonly === 'yes', appenddirname: appenddirname || 'appendonlydir', appendfilename, dbfilename };
}

/**
 * askServer connects to a running FalkorDB with short timeouts and reads its module version, key
 * count and graph names. It never rejects except on abort (InterruptedError): an unreachable
 * server or a wrong password is reported as `reachable: false` with the reason, because a restore
 * during an incident must not depend on the server being healthy.
 */
export async function askServer(connect: ConnectFalkor, server: Omit<FalkorConnectOptions, 'signal'>, signal?: AbortSignal): Promise<ServerBefore> {
  let client: RestoreFalkor | undefined;
  try {
    client = await connect({ connectTimeoutMs: 2000, commandTimeoutMs: 5000, ...server, signal });
    const [modules, keys, graphs] = await Promise.all([client.moduleList(), client.dbsize(), client.graphList()]);
    const graph = modules.find((m) => m.name === 'graph');
    const persistence = await persistenceOf(client);
    return { reachable: true, keys, ...(graph ? { module: graph.version } : {}), ...(graphs ? { graphs } : {}), ...(persistence ? { persistence } : {}) };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { reachable: false, problem: error instanceof Error ? error.message : String(error) };
  } finally {
    await client?.close();
  }
}
