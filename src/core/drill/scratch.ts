import { randomBytes } from 'node:crypto';
import type { DockerApi } from '../docker/docker.js';
import { DRILL_DATA, PROBE_SCRIPT } from './probe-script.js';

// A drill's scratch container and volume: recognisable names and labels, so that what a killed
// drill left behind (`kill -9`, a power cut) is found and removed by the next one.

/** Label on every scratch container and volume of a drill. */
export const DRILL_LABEL = 'autocodex-ops.drill';
/** Name prefix of scratch containers and volumes. */
export const DRILL_PREFIX = 'autocodex-ops-drill-';

export type DrillDocker = Pick<
  DockerApi,
  'endpoint' | 'listContainers' | 'inspectImage' | 'createContainer' | 'removeContainer' | 'startContainer' | 'waitContainer' | 'containerLogs' | 'putArchive' | 'attachStdin' | 'createVolume' | 'removeVolume' | 'listVolumes'
>;

/** The scratch pair, with its removal (idempotent, ignores any signal: it must run on Ctrl-C too). */
export interface Scratch {
  name: string;
  containerId: string;
  volume: string;
  remove(): Promise<void>;
}

/** removeLeftovers removes every drill container and volume a previous run left; returns their names. */
export async function removeLeftovers(docker: DrillDocker, signal?: AbortSignal): Promise<string[]> {
  const containers = await docker.listContainers({ labels: [DRILL_LABEL] }, { signal });
  for (const c of containers) await docker.removeContainer(c.id, { force: true, anonymousVolumes: true });
  const volumes = await docker.listVolumes(DRILL_LABEL, { signal });
  for (const v of volumes) await docker.removeVolume(v);
  return [...containers.map((c) => c.name), ...volumes];
}

/**
 * createScratch creates a labelled volume and a container (not started) from `image` that mounts
 * it at DRILL_DATA, has no network and no published port, keeps stdin open for the password and
 * runs the probe script with `moduleArgs` and `serverArgs`. On a failure half-way it removes what it made.
 */
export async function createScratch(docker: DrillDocker, image: string, moduleArgs: string, serverArgs: readonly string[], archive: string): Promise<Scratch> {
  const name = `${DRILL_PREFIX}${randomBytes(6).toString('hex')}`;
  const labels = { [DRILL_LABEL]: '1', [`${DRILL_LABEL}.archive`]: archive.slice(-200) };
  await docker.createVolume(name, labels);
  let containerId = '';
  const remove = async () => {
    if (containerId) await docker.removeContainer(containerId, { force: true, anonymousVolumes: true });
    await docker.removeVolume(name);
  };
  try {
    containerId = await docker.createContainer({
      name,
      image,
      entrypoint: ['sh', '-c'],
      cmd: [PROBE_SCRIPT, 'autocodex-ops-drill', moduleArgs, ...serverArgs],
      user: '0:0',
      labels,
      mounts: [{ volume: name, target: DRILL_DATA }],
      openStdin: true,
    });
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
  return { name, containerId, volume: name, remove };
}
