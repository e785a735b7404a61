import type { ContainerInfo } from '../docker/docker.js';
import { startContainers, stopContainers } from '../docker/stop-start.js';
import { waitHealthy } from '../docker/wait-healthy.js';
import type { Clock } from '../run/clock.js';
import type { FalkorConnectOptions } from '../falkordb/falkordb.js';
import { askServer, type ConnectFalkor, type RestoreDocker, type ServerBefore } from './falkordb-target.js';
import { checkServerData, type ExpectedData, type ServerData } from '../stack/falkordb-verify.js';
import type { RestoreLog } from './phases.js';
import { once } from '../run/once.js';

/** FalkorDB and Graphiti MCP as found (either may be missing). */
export interface ServiceSet {
  falkordb?: ContainerInfo;
  graphiti?: ContainerInfo;
}

/** What stopServices did and how to put it back. */
export interface StoppedServices {
  /** Containers this run stopped, in start order (FalkorDB first). */
  stopped: ContainerInfo[];
  /** What FalkorDB said between Graphiti MCP's stop and its own (quiet: its writer is down); undefined when it was not running. */
  before?: ServerBefore;
  /** Starts exactly the containers it stopped; runs once; rejects naming every container it could not start. */
  undo: () => Promise<void>;
}

/**
 * stopServices stops Graphiti MCP (FalkorDB's writer) if it runs, then reads FalkorDB's key count,
 * graph names and module version (never failing on an unreachable server), then stops FalkorDB if
 * it runs; stopped FalkorDB writes a final dump.rdb. It returns the undo that starts exactly what
 * it stopped. On failure or abort it restarts what it had stopped before rejecting.
 */
export async function stopServices(
  docker: RestoreDocker,
  services: ServiceSet,
  options: { connect: ConnectFalkor; server: Omit<FalkorConnectOptions, 'signal'>; graceSeconds: number; signal?: AbortSignal; log: RestoreLog },
): Promise<StoppedServices> {
  const { signal } = options;
  const graphiti = await stopContainers(docker, services.graphiti ? [services.graphiti.id] : [], { timeoutSeconds: options.graceSeconds, signal });
  let before: ServerBefore | undefined;
  let falkordb: Awaited<ReturnType<typeof stopContainers>>;
  try {
    const current = services.falkordb && (await docker.inspectContainer(services.falkordb.id));
    if (current?.running) before = await askServer(options.connect, options.server, signal);
    falkordb = await stopContainers(docker, services.falkordb ? [services.falkordb.id] : [], { timeoutSeconds: options.graceSeconds, signal });
  } catch (error) {
    await graphiti.undo().catch((undoError: unknown) => options.log.error(`Could not restart Graphiti MCP: ${(undoError as Error).message}`));
    throw error;
  }
  const byId = new Map([services.falkordb, services.graphiti].filter((c): c is ContainerInfo => !!c).map((c) => [c.id, c]));
  const stopped = [...falkordb.stopped, ...graphiti.stopped].map((id) => byId.get(id)!);
  const all = byId.size;
  options.log.info(`Stopped ${stopped.length} of ${all} container(s)${stopped.length ? ` (${stopped.map((c) => c.name).join(', ')})` : ''}; ${all - stopped.length} were not running.`);
  return { stopped, ...(before ? { before } : {}), undo: once(() => startContainers(docker, stopped.map((c) => c.id))) };
}

/** How bringUp starts and checks the services. */
export interface BringUpOptions {
  /** Containers to start, in start order. */
  start: ContainerInfo[];
  skipHealthWait: boolean;
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Ids whose failure to become healthy is only a warning (not healthy before the restore either). */
  tolerate?: ReadonlySet<string>;
  /** Check the data through the server (only when FalkorDB is among `start`). */
  server?: { connect: ConnectFalkor; options: Omit<FalkorConnectOptions, 'signal'>; expected: ExpectedData };
  falkordbId?: string;
}

/** The health part of a restore's result. */
export interface ServicesHealth {
  status: 'healthy' | 'skipped' | 'not-started';
  containers: Array<{ name: string; status: string }>;
  data?: ServerData;
  warnings: string[];
}

/**
 * bringUp starts the given containers (FalkorDB before Graphiti MCP) and, unless skipHealthWait,
 * waits until each is healthy or running without a healthcheck, then checks the data through an
 * authenticated PING, DBSIZE and GRAPH.LIST, all within one `timeoutMs`. It rejects with the first
 * failure (ContainerNotReadyError with the log tail, OpsError on a data mismatch, InterruptedError
 * on abort); containers in `tolerate` only add a warning.
 */
export async function bringUp(docker: RestoreDocker, options: BringUpOptions): Promise<ServicesHealth> {
  if (options.start.length === 0) return { status: 'not-started', containers: [], warnings: [] };
  await startContainers(docker, options.start.map((c) => c.id));
  return checkStarted(docker, options);
}

/**
 * checkStarted is bringUp's second half, for containers already started: the health wait and the
 * data checks (or `skipped`), rejecting as bringUp does. The restore runs it while it writes the
 * safety archive.
 */
export async function checkStarted(docker: RestoreDocker, options: BringUpOptions): Promise<ServicesHealth> {
  const report: ServicesHealth = { status: 'not-started', containers: [], warnings: [] };
  if (options.start.length === 0) return report;
  if (options.skipHealthWait) return { ...report, status: 'skipped', containers: options.start.map((c) => ({ name: c.name, status: 'started' })) };
  const deadline = options.clock.now() + options.timeoutMs;
  for (const c of options.start) {
    try {
      // A 500 ms poll instead of the scripts' 2 s: under incident stress every second of waiting shows.
      const ready = await waitHealthy(docker, c.id, { timeoutMs: Math.max(0, deadline - options.clock.now()), pollMs: 500, signal: options.signal, clock: options.clock });
      report.containers.push({ name: c.name, status: ready.status });
    } catch (error) {
      if (!options.tolerate?.has(c.id) || options.signal?.aborted) throw error;
      report.containers.push({ name: c.name, status: 'not ready' });
      report.warnings.push(`${c.name} did not become healthy (${(error as Error).message}); it was not healthy before the restore either.`);
    }
  }
  if (options.server && options.start.some((c) => c.id === options.falkordbId)) {
    const { connect, options: server, expected } = options.server;
    report.data = await checkServerData({ connect, server, deadline, clock: options.clock, signal: options.signal }, expected);
    report.warnings.push(...report.data.warnings);
  }
  return { ...report, status: 'healthy' };
}

/** inStartOrder lists the found services that `pick` accepts, FalkorDB before Graphiti MCP. Pure. */
export function inStartOrder(services: ServiceSet, pick: (c: ContainerInfo) => boolean): ContainerInfo[] {
  return [services.falkordb, services.graphiti].filter((c): c is ContainerInfo => !!c && pick(c));
}
