import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OpsConfig } from '../config/load.js';
import type { ContainerInfo } from '../docker/docker.js';
import type { HealthConnectors } from './run-healthcheck.js';
import type { HealthDocker, HealthFalkor, ServiceInfo } from './types.js';
import { once } from '../run/once.js';


async function nearestStatfs(path: string): Promise<number> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = await statfs(p);
      return st.bavail * st.bsize;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
    }
  }
}

/**
 * createLiveConnectors returns the healthcheck's real connections: the Docker engine (DOCKER_HOST or
 * the current context) and FalkorDB (AUTH over the protocol), each opened once on first use, with
 * dockerode and ioredis loaded only then; programs run with the caller's `env` in its `cwd`.
 */
export function createLiveConnectors(
  config: OpsConfig,
  outer: AbortSignal,
  caller: { env: Record<string, string | undefined>; home: string; platform: NodeJS.Platform; cwd: string },
  commandTimeoutMs = 5000,
): HealthConnectors {
  const { env, cwd } = caller;
  // close() aborts whatever is still connecting (a hung FalkorDB), so no socket outlives the report.
  // Each connection is opened once and shared (a failure too, so every check sees one cause).
  const closing = new AbortController();
  const signal = AbortSignal.any([outer, closing.signal]);
  let engine: import('../docker/docker.js').DockerApi | undefined;
  const docker = once(async (): Promise<HealthDocker> => {
    const d = await import('../docker/index.js');
    const api = await d.createDockerApi({ inputs: { env, homedir: caller.home, platform: caller.platform } });
    await d.pingEngine(api, { signal });
    engine = api;
    const toService = (c: ContainerInfo | undefined): ServiceInfo | undefined =>
      c && {
        id: c.id,
        name: c.name,
        image: c.image,
        running: c.running,
        health: c.health,
        mounts: c.mounts.map((m) => ({ type: m.type, name: m.name, destination: m.destination })),
        ports: c.ports.filter((p) => p.hostPort !== undefined).map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort!, containerPort: p.containerPort })),
      };
    // Both services in one look-up (the image-tags check asks for both at once anyway).
    const stack = once(async () => {
      const { findStackContainers } = await import('../stack/containers.js');
      return findStackContainers(api, config, signal);
    });
    return {
      endpoint: api.endpoint,
      version: () => d.engineVersion(api, { signal }),
      findService: async (service) => toService((await stack())[service === 'falkordb' ? 'falkordb' : 'graphiti']),
      volumeSize: (name) => api.volumeSize(name, { signal }),
    };
  });

  const connectOptions = () => ({
    host: config.falkordb.host,
    port: config.falkordb.port,
    password: config.falkordb.password,
    connectTimeoutMs: Math.min(2000, commandTimeoutMs),
    commandTimeoutMs,
    signal,
  });
  let client: { close(): Promise<void> } | undefined;
  const falkor = once(async (): Promise<HealthFalkor> => {
    const f = await import('../falkordb/falkordb.js');
    const c = await f.connectFalkor(connectOptions());
    client = c;
    return {
      ping: () => c.ping(),
      configGet: (name) => c.configGet(name),
      info: async (section) => f.flattenInfo(await c.info(section)),
    };
  });
  const falkorAuthRequired = once(async () => {
    const f = await import('../falkordb/falkordb.js');
    return f.probeAuthRequired({ ...connectOptions(), password: undefined });
  });

  return {
    env,
    cwd,
    docker,
    falkor,
    falkorAuthRequired,
    freeBytes: nearestStatfs,
    async recordImagePair() {
      // Only when a check already reached the engine: recording must not add a connection of its own.
      if (!engine) return;
      const { observePairQuietly } = await import('../stack/observe-pair.js');
      await observePairQuietly(async () => engine!, config, 'healthcheck', { debug: () => undefined }, signal);
    },
    async close() {
      closing.abort();
      await client?.close();
    },
  };
}
