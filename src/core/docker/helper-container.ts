import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PrerequisiteError } from '../errors.js';
import type { CallOptions, DockerApi } from './docker.js';

// Volume data moves through short-lived helper containers made from an image that is already on
// the machine (there may be no registry: anchors-and-gotchas.md §B.2). They are never pulled,
// have no network, override the image's entrypoint (FalkorDB's would start redis) and are labelled
// so a leftover is easy to find: `docker ps -a --filter label=autocodex-ops.helper=1`.

/** Label carried by every helper container. */
export const HELPER_LABEL = 'autocodex-ops.helper';
/** Where helpers mount the volume: a path no image ships, so nothing is copied into the volume. */
export const HELPER_MOUNT = '/autocodex-ops-volume';

/** A created helper container; `remove` is idempotent, forced, and ignores the run's AbortSignal. */
export interface HelperContainer {
  id: string;
  name: string;
  remove(): Promise<void>;
}

/** What a helper is for: its label, which the test fake goes by. `move-*`: restore's moves inside the volume. */
export type HelperPurpose = 'export' | 'import' | 'wipe' | 'move-aside' | 'move-back' | 'remove-aside';

/** What a helper is for, and how it is built. */
export interface CreateHelperOptions {
  image: string;
  volume: string;
  purpose: HelperPurpose;
  readOnly: boolean;
  entrypoint: string[];
  cmd: string[];
  labels?: Record<string, string>;
  /** Keep stdin open for one attach (see DockerApi.attachStdin). */
  openStdin?: boolean;
}

/**
 * resolveHelperImage returns the first candidate image present locally (e.g. the FalkorDB
 * container's image id, then BACKUP_IMAGE). It never pulls: when none is present it rejects with
 * PrerequisiteError (exit 10) naming the candidates.
 */
export async function resolveHelperImage(
  docker: Pick<DockerApi, 'inspectImage'>,
  candidates: ReadonlyArray<string | undefined>,
  options: CallOptions = {},
): Promise<string> {
  const refs = [...new Set(candidates.filter((c): c is string => !!c))];
  for (const ref of refs) {
    if (await docker.inspectImage(ref, options)) return ref;
  }
  throw new PrerequisiteError(
    refs.length === 0
      ? 'No image is available for the helper container'
      : `None of the helper images is present locally: ${refs.join(', ')}`,
    {
      hint:
        'autocodex-ops never pulls images. Start FalkorDB once (its image serves as the helper), or set BACKUP_IMAGE ' +
        'to an image with sh and tar that is already present (`docker image ls`).',
    },
  );
}

/**
 * createHelper creates (does not start) a helper container mounting `volume` at HELPER_MOUNT.
 * The caller must check the volume exists first: the engine would create a missing one.
 */
export async function createHelper(docker: Pick<DockerApi, 'createContainer' | 'removeContainer'>, options: CreateHelperOptions): Promise<HelperContainer> {
  const name = `autocodex-ops-helper-${options.purpose}-${randomBytes(6).toString('hex')}`;
  const id = await docker.createContainer(
    {
      name,
      image: options.image,
      entrypoint: options.entrypoint,
      cmd: options.cmd,
      user: '0:0',
      // Who made it: the next run removes a helper whose maker is gone (removeHelperLeftovers).
      labels: { ...options.labels, [HELPER_LABEL]: '1', [`${HELPER_LABEL}.purpose`]: options.purpose, [`${HELPER_LABEL}.pid`]: String(process.pid), [`${HELPER_LABEL}.host`]: hostname() },
      mounts: [{ volume: options.volume, target: HELPER_MOUNT, readOnly: options.readOnly }],
      ...(options.openStdin ? { openStdin: true } : {}),
    },
    // No signal: a create aborted in flight may still succeed, leaving a helper we have no id for.
  );
  let removal: Promise<void> | undefined;
  return {
    id,
    name,
    remove: () => {
      // anonymousVolumes: an image with `VOLUME /data` (FalkorDB's) gives every helper an anonymous volume.
      removal ??= docker.removeContainer(id, { force: true, anonymousVolumes: true }).catch((error: unknown) => {
        removal = undefined; // let a later call retry
        throw error;
      });
      return removal;
    },
  };
}

/** Helpers without a maker's pid (an older version's) count as left behind after this long. */
const UNOWNED_AGE_MS = 60 * 60 * 1000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * removeHelperLeftovers removes helper containers a killed run left behind (issue 23 §3): labelled
 * HELPER_LABEL, in state created or exited, made on this host by a process that is gone (or, with
 * no maker recorded, older than an hour). A helper of a run still alive, here or on another host
 * using the same engine, is never touched: export and import helpers stay `created` while in use.
 * Returns the names removed; a removal that fails is skipped (the next run tries again).
 */
export async function removeHelperLeftovers(docker: Pick<DockerApi, 'listContainers' | 'removeContainer'>, options: CallOptions & { now?: number } = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const host = hostname();
  const removed: string[] = [];
  for (const c of await docker.listContainers({ labels: [`${HELPER_LABEL}=1`] }, options)) {
    if (c.state !== 'created' && c.state !== 'exited') continue;
    const pid = Number(c.labels[`${HELPER_LABEL}.pid`]);
    const madeHere = c.labels[`${HELPER_LABEL}.host`] === host;
    const orphan = Number.isInteger(pid) && pid > 0 ? madeHere && pid !== process.pid && !alive(pid) : c.labels[`${HELPER_LABEL}.host`] === undefined && now - Date.parse(c.created) > UNOWNED_AGE_MS;
    if (!orphan) continue;
    await docker.removeContainer(c.id, { force: true, anonymousVolumes: true }).then(() => removed.push(c.name), () => undefined);
  }
  return removed;
}
