import type { ContainerInfo, DockerApi } from '../docker/docker.js';
import { FALKORDB_DATA_PATH, LEGACY_DATA_PATH } from '../docker/data-volume.js';
import { PrerequisiteError } from '../errors.js';
import type { FalkorClient } from '../falkordb/falkordb.js';
import { findStackContainers, type StackLocator } from '../stack/containers.js';
import { imageTag } from '../stack/image-tags.js';

// What is wrong with the running FalkorDB, read from the engine and the live server (never from
// the configuration alone): where the server writes (CONFIG GET dir) against what is mounted there,
// AOF, auth, published ports and the image tag. The /data trap: anchors-and-gotchas.md §A.1.

/** One thing harden fixes, for the plan. */
export interface Finding {
  id: 'data-in-layer' | 'appendonly' | 'auth' | 'exposure' | 'image-tag';
  message: string;
}

/** The live FalkorDB as harden sees it. */
export interface Assessment {
  container: ContainerInfo;
  /** compose: the container carries compose labels; ui: started by `docker run` (the Desktop UI). */
  managedBy: 'compose' | 'ui';
  dataDir: string;
  /** The named volume mounted where the server does NOT write (normally /data), which harden moves to dataDir. */
  trapVolume?: string;
  /** True when no mount covers dataDir: the data lives in the container's writable layer. */
  trapped: boolean;
  appendonly: boolean;
  authRequired: boolean;
  /** Host port published for 6379 (the one the Desktop UI and the backend use). */
  hostPort?: number;
  findings: Finding[];
}

const covers = (destination: string, dir: string) => dir === destination || dir.startsWith(`${destination.replace(/\/$/, '')}/`);
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The engine and server calls an assessment makes. */
export type AssessDocker = Pick<DockerApi, 'listContainers'>;
export type AssessFalkor = Pick<FalkorClient, 'configGet'>;

/** findFalkorContainer returns the running FalkorDB container, or rejects with PrerequisiteError (exit 10). */
export async function findFalkorContainer(docker: AssessDocker, locator: StackLocator, signal?: AbortSignal): Promise<{ container: ContainerInfo; managedBy: 'compose' | 'ui' }> {
  const { falkordb } = await findStackContainers(docker, locator, signal);
  if (!falkordb) {
    throw new PrerequisiteError(`No FalkorDB container was found (compose project ${locator.composeProject}, or name ${locator.falkordb.containerName}).`, {
      hint: 'Start FalkorDB (the Desktop UI\'s Start button, or compose up), or set FALKORDB_CONTAINER_NAME.',
    });
  }
  if (!falkordb.running) {
    throw new PrerequisiteError(`FalkorDB (${falkordb.name}) is not running: its data can only be rescued from a running server.`, {
      hint: `Start it first: docker start ${falkordb.name}. Do not remove or recreate it: that loses the data in its layer.`,
    });
  }
  return { container: falkordb, managedBy: falkordb.labels['com.docker.compose.project'] ? 'compose' : 'ui' };
}

/** assess reads the live server's dir and AOF setting and whether it demands a password; pure otherwise. */
export async function assess(container: ContainerInfo, managedBy: 'compose' | 'ui', client: AssessFalkor, authRequired: boolean): Promise<Assessment> {
  const [dir, appendonly] = await Promise.all([client.configGet('dir'), client.configGet('appendonly')]);
  const dataDir = dir || FALKORDB_DATA_PATH;
  const covering = container.mounts.find((m) => covers(m.destination, dataDir));
  const atData = container.mounts.find((m) => m.type === 'volume' && m.name && covers(m.destination, LEGACY_DATA_PATH));
  const findings: Finding[] = [];
  if (!covering) {
    findings.push({ id: 'data-in-layer', message: `the server writes to ${dataDir}, where no volume is mounted${atData ? ` (volume ${atData.name} is on ${atData.destination})` : ''}: the data is in the container's writable layer and is lost when the container is recreated` });
  }
  if (appendonly !== 'yes') findings.push({ id: 'appendonly', message: `appendonly is ${appendonly || 'off'}: writes since the last snapshot are lost on a crash` });
  if (!authRequired) findings.push({ id: 'auth', message: 'the server answers without a password' });
  const published = container.ports.filter((p) => p.containerPort === 6379 && p.hostPort !== undefined);
  const open = published.filter((p) => !LOOPBACK.has(p.hostIp));
  if (open.length > 0) findings.push({ id: 'exposure', message: `port 6379 is published on ${open.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}`).join(', ')}, not on loopback only` });
  const tag = imageTag(container.image);
  if (tag === 'latest') findings.push({ id: 'image-tag', message: `the image ${container.image} is not pinned to a tag` });
  return {
    container,
    managedBy,
    dataDir,
    ...(atData?.name ? { trapVolume: atData.name } : {}),
    trapped: !covering,
    appendonly: appendonly === 'yes',
    authRequired,
    ...(published[0] ? { hostPort: published[0].hostPort } : {}),
    findings,
  };
}
