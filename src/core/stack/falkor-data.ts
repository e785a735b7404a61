import type { Readable } from 'node:stream';
import type { ContainerInfo, DockerApi } from '../docker/docker.js';
import { findDataVolume, type DataVolume } from '../docker/data-volume.js';
import { findStackContainers } from './containers.js';
import { pingEngine } from '../docker/engine.js';
import { exportVolume, type VolumeExport, type VolumeStreamDocker } from '../docker/volume-stream.js';
import { PrerequisiteError } from '../errors.js';

/**
 * What to do about data the server writes outside its volume. Recreating the container (`down`,
 * `rm`, or a fixed mount and `up -d`) throws the data away, so the only advice is the rescue.
 */
export const LAYER_DATA_HINT =
  "The data is in the container's own writable layer: recreating the container (`docker-compose down`, `docker rm`, or fixing the mount and `up -d`) loses it. " +
  'Run `autocodex-ops harden falkordb`: it rescues the data into a verified backup first, then moves it to a volume at the right path.';

/** The mount-trap explanation shared by backup, verify and restore (anchors-and-gotchas.md §A.1). */
export const MOUNT_TRAP_HINT = `FalkorDB images since PR #958 keep their data in /var/lib/falkordb/data; a volume mounted at /data receives nothing. ${LAYER_DATA_HINT}`;

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
  const locator = { composeProject: options.project, falkordb: { containerName: options.falkordbContainerName }, graphitiMcp: { containerName: options.graphitiContainerName } };
  const stack = await findStackContainers(docker, locator, signal);
  const { falkordb, graphiti, matchedBy } = stack;
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
    graphiti,
    matchedBy,
    storage,
    helperImages: [falkordb?.imageId, ...options.extraHelperImages],
    imageDigests: image?.repoDigests ?? [],
  };
}

/**
 * openDataStream streams the data as an uncompressed tar with `./`-relative entries: a named
 * volume through exportVolume (a created, never started helper from a local image), a bind mount
 * through the FalkorDB container's own archive endpoint. Rejects as those do (PrerequisiteError
 * when no helper image is present, InterruptedError on abort). The caller awaits
 * `helperRemoved()` once done (a bind mount has no helper).
 */
export async function openDataStream(docker: BackupDocker, data: FalkorData, signal?: AbortSignal): Promise<VolumeExport> {
  if (data.storage.kind === 'bind') {
    // No helper: the FalkorDB container's own endpoint.
    return Object.assign(await docker.getArchive(data.falkordb!.id, `${data.storage.destination}/.`, { signal }), { helperRemoved: () => Promise.resolve() });
  }
  return exportVolume(docker, { volume: data.storage.name, helperImages: data.helperImages, signal });
}

/** describeStorage renders the storage for the manifest and messages. */
export function describeStorage(storage: DataVolume): Record<string, unknown> {
  return storage.kind === 'bind'
    ? { bindSource: storage.source, mountedAt: storage.destination, from: storage.from }
    : { volume: storage.name, from: storage.from, ...(storage.from === 'mount' ? { mountedAt: storage.destination } : {}) };
}
