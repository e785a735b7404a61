import type { Readable } from 'node:stream';
import type { ContainerInfo, DockerApi } from '../docker/docker.js';
import { findDataVolume, type DataVolume } from '../docker/data-volume.js';
import { findFalkorDbContainer, findGraphitiMcpContainer } from '../docker/containers.js';
import { pingEngine } from '../docker/engine.js';
import { exportVolume, type VolumeStreamDocker } from '../docker/volume-stream.js';
import type { OpsConfig } from '../config/load.js';
import { PrerequisiteError } from '../errors.js';

/** The Docker calls a FalkorDB backup makes. */
export type BackupDocker = VolumeStreamDocker & Pick<DockerApi, 'endpoint' | 'ping' | 'listContainers' | 'inspectContainer' | 'stopContainer'>;

/** Where to look: names from the configuration (FALKORDB_CONTAINER_NAME, FALKORDB_VOLUME, …). */
export interface LocateOptions {
  project: string;
  falkordbContainerName: string;
  graphitiContainerName: string;
  configuredVolume: string;
  /** Local images a helper may be made from after the FalkorDB container's own (BACKUP_IMAGE, the tagged FalkorDB image). */
  extraHelperImages: ReadonlyArray<string | undefined>;
  signal?: AbortSignal;
}

/** What a backup works on: the containers (if any), the data storage, and the helper image candidates. */
export interface FalkorData {
  falkordb?: ContainerInfo;
  graphiti?: ContainerInfo;
  matchedBy?: 'labels' | 'name';
  storage: DataVolume;
  helperImages: Array<string | undefined>;
  imageDigests: string[];
}

/**
 * locateFalkorData pings the engine, finds the FalkorDB and Graphiti MCP containers (compose
 * labels, then names; stopped ones too) and the data storage (the container's mount at
 * /var/lib/falkordb/data or /data, else FALKORDB_VOLUME). It never creates anything: an engine
 * that does not answer or a missing volume rejects with PrerequisiteError (exit 10).
 */
export async function locateFalkorData(docker: BackupDocker, options: LocateOptions): Promise<FalkorData> {
  const { signal } = options;
  await pingEngine(docker, { signal });
  const found = await findFalkorDbContainer(docker, { project: options.project, containerName: options.falkordbContainerName, signal });
  const graphiti = await findGraphitiMcpContainer(docker, { project: options.project, containerName: options.graphitiContainerName, signal });
  const falkordb = found?.container;
  const storage = await findDataVolume(docker, { container: falkordb, configuredName: options.configuredVolume, signal });
  if (storage.kind === 'volume' && !storage.exists) {
    const where = storage.from === 'mount' ? `mounted by container ${falkordb?.name}` : `FALKORDB_VOLUME${falkordb ? '' : '; no FalkorDB container was found'}`;
    throw new PrerequisiteError(`The FalkorDB data volume ${storage.name} does not exist (${where}).`, {
      hint: 'Check FALKORDB_VOLUME and `docker volume ls`; autocodex-ops never creates a missing volume (the original script silently backed up a new, empty one).',
    });
  }
  const image = falkordb ? await docker.inspectImage(falkordb.imageId, { signal }) : undefined;
  return {
    falkordb,
    graphiti: graphiti?.container,
    matchedBy: found?.matchedBy,
    storage,
    helperImages: [falkordb?.imageId, ...options.extraHelperImages],
    imageDigests: image?.repoDigests ?? [],
  };
}

/**
 * openDataStream streams the data as an uncompressed tar with `./`-relative entries: a named
 * volume through exportVolume (a created, never started helper from a local image), a bind mount
 * through the FalkorDB container's own archive endpoint. Rejects as those do (PrerequisiteError
 * when no helper image is present, InterruptedError on abort).
 */
export async function openDataStream(docker: BackupDocker, data: FalkorData, signal?: AbortSignal): Promise<Readable> {
  if (data.storage.kind === 'bind') return docker.getArchive(data.falkordb!.id, `${data.storage.destination}/.`, { signal });
  return exportVolume(docker, { volume: data.storage.name, helperImages: data.helperImages, signal });
}

/** describeStorage renders the storage for the manifest and messages. */
export function describeStorage(storage: DataVolume): Record<string, unknown> {
  return storage.kind === 'bind'
    ? { bindSource: storage.source, mountedAt: storage.destination, from: storage.from }
    : { volume: storage.name, from: storage.from, ...(storage.from === 'mount' ? { mountedAt: storage.destination } : {}) };
}

/**
 * falkorTargetFrom maps the configuration to where the FalkorDB data and its services are and how
 * to reach the server; backup, restore and rollback all locate the stack through it.
 */
export function falkorTargetFrom(config: Pick<OpsConfig, 'composeProject' | 'backupImage' | 'falkordb' | 'graphitiMcp'>) {
  const f = config.falkordb;
  return {
    // Redis needs time to write its final RDB on SIGTERM; compose's stop_grace_period is 60 s too.
    stopGraceSeconds: 60,
    server: { host: f.host, port: f.port, password: f.password },
    project: config.composeProject,
    falkordbContainerName: f.containerName,
    graphitiContainerName: config.graphitiMcp.containerName,
    configuredVolume: f.volume,
    extraHelperImages: [config.backupImage, f.imageTag ? `falkordb/falkordb:${f.imageTag}` : undefined],
  } satisfies Omit<LocateOptions, 'signal'> & Record<string, unknown>;
}
