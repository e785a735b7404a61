import { defaultOf } from '../config/load.js';
import { PrerequisiteError } from '../errors.js';
import type { CallOptions, DockerApi, MountInfo, VolumeInfo } from './docker.js';

// Since FalkorDB PR #958 the image keeps its data in /var/lib/falkordb/data and /data only holds a
// `data` symlink, so a volume mounted at /data receives nothing (anchors-and-gotchas.md §A.1).
// Auto-Codex's compose file still mounts /data; we report which destination we found so the
// healthcheck can flag it, and prefer the real data path when both are mounted.

/** Where current FalkorDB images keep their data (`FALKORDB_DATA_PATH`). */
export const FALKORDB_DATA_PATH = '/var/lib/falkordb/data';
/** Where older images (and Auto-Codex's compose file) mount the data volume. */
export const LEGACY_DATA_PATH = '/data';
/** FALKORDB_VOLUME's default: compose project `auto-codex` + volume `falkordb_data`. */
export const DEFAULT_FALKORDB_VOLUME = defaultOf('FALKORDB_VOLUME');

/** Which storage holds FalkorDB's data, and where that answer came from. */
export type DataVolumeSelection =
  | { from: 'mount'; kind: 'volume'; name: string; destination: string; configuredName: string }
  | { from: 'mount'; kind: 'bind'; source: string; destination: string; configuredName: string }
  | { from: 'config'; kind: 'volume'; name: string; configuredName: string };

/** A selection plus whether the volume exists (always false for a bind mount, which is not a volume). */
export type DataVolume = DataVolumeSelection & { exists: boolean; volume?: VolumeInfo };

/**
 * selectDataVolume picks FalkorDB's data storage from the container's mounts — the mount at
 * /var/lib/falkordb/data, else at /data — or, with no container or no such mount, the configured
 * volume name (FALKORDB_VOLUME, default `auto-codex_falkordb_data`). Pure; never fails.
 */
export function selectDataVolume(
  container: { mounts: readonly MountInfo[] } | undefined,
  configuredName: string = DEFAULT_FALKORDB_VOLUME,
): DataVolumeSelection {
  const configured = configuredName || DEFAULT_FALKORDB_VOLUME;
  for (const destination of [FALKORDB_DATA_PATH, LEGACY_DATA_PATH]) {
    const mount = container?.mounts.find((m) => trimSlash(m.destination) === destination);
    if (!mount) continue;
    if (mount.type === 'volume' && mount.name) {
      return { from: 'mount', kind: 'volume', name: mount.name, destination, configuredName: configured };
    }
    if (mount.type === 'bind') return { from: 'mount', kind: 'bind', source: mount.source, destination, configuredName: configured };
  }
  return { from: 'config', kind: 'volume', name: configured, configuredName: configured };
}

/**
 * findDataVolume selects the data storage (see selectDataVolume) and checks that the volume exists.
 * It never creates a volume; a missing one is reported as `exists: false`. Engine failures reject.
 */
export async function findDataVolume(
  docker: Pick<DockerApi, 'inspectVolume'>,
  options: CallOptions & { container?: { mounts: readonly MountInfo[] }; configuredName?: string },
): Promise<DataVolume> {
  const selection = selectDataVolume(options.container, options.configuredName);
  if (selection.kind === 'bind') return { ...selection, exists: false };
  const volume = await docker.inspectVolume(selection.name, { signal: options.signal });
  return volume ? { ...selection, exists: true, volume } : { ...selection, exists: false };
}

/** volumeExists tells whether a named volume exists; it never creates one. Engine failures reject. */
export async function volumeExists(docker: Pick<DockerApi, 'inspectVolume'>, name: string, options: CallOptions = {}): Promise<boolean> {
  return (await docker.inspectVolume(name, options)) !== undefined;
}

/**
 * requireVolume resolves when the named volume exists and otherwise rejects with PrerequisiteError
 * (exit 10): the original scripts' `docker run -v` silently created an empty volume instead.
 */
export async function requireVolume(docker: Pick<DockerApi, 'inspectVolume'>, name: string, options: CallOptions = {}): Promise<VolumeInfo> {
  const volume = await docker.inspectVolume(name, options);
  if (!volume) {
    throw new PrerequisiteError(`Docker volume ${name} does not exist`, {
      hint: 'Check FALKORDB_VOLUME and `docker volume ls`; autocodex-ops never creates a missing volume.',
    });
  }
  return volume;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
