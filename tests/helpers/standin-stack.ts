import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { type DockerTestEnv, FALKORDB_STANDIN, GRAPHITI_STANDIN } from './docker.js';
import { freePort } from './redis-server.js';

// A stand-in Auto-Codex stack on the real engine, as the restore tests use it: its own compose
// project, a FalkorDB stand-in with a password, a fixed published loopback port (a restart keeps
// it), a REDISCLI_AUTH healthcheck and the data volume at /var/lib/falkordb/data, plus a Graphiti
// MCP stand-in; and an ioredis client on it that never reconnects by itself.

/** One stand-in stack and a client on its FalkorDB. */
export interface StandinStack {
  project: string;
  falkordb: string;
  graphiti: string;
  volume: string;
  port: number;
  redis: Redis;
}

/** connected waits (up to ~15 s) until the client's PING answers PONG, connecting it again as needed. */
export async function connected(redis: Redis): Promise<void> {
  for (let i = 0; ; i += 1) {
    try {
      if (redis.status !== 'ready' && redis.status !== 'connecting' && redis.status !== 'connect') await redis.connect().catch(() => undefined);
      if ((await redis.ping()) === 'PONG') return;
    } catch {
      if (i > 150) throw new Error('the stand-in never answered');
    }
    await delay(100);
  }
}

/** startStandinStack creates and starts the pair (labelled for `env.cleanup()`) and returns it connected. */
export async function startStandinStack(env: DockerTestEnv, password: string, appendonly: boolean): Promise<StandinStack> {
  const project = env.uniqueName('proj');
  const volume = await env.createVolume('data');
  const port = await freePort();
  const labels = (service: string) => ({ ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.oneoff': 'False' });
  const falkordb = env.uniqueName('falkordb');
  const second = 1_000_000_000;
  await (
    await env.docker.createContainer({
      name: falkordb,
      Image: FALKORDB_STANDIN,
      Labels: labels('falkordb'),
      Env: [`REDIS_ARGS=--requirepass ${password} --appendonly ${appendonly ? 'yes' : 'no'}`, `REDISCLI_AUTH=${password}`],
      ExposedPorts: { '6379/tcp': {} },
      Healthcheck: { Test: ['CMD-SHELL', 'redis-cli -h 127.0.0.1 ping | grep -q PONG'], Interval: second / 2, Timeout: 3 * second, Retries: 60 },
      HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
    })
  ).start();
  const graphiti = env.uniqueName('graphiti');
  await (await env.docker.createContainer({ name: graphiti, Image: GRAPHITI_STANDIN, Labels: labels('graphiti-mcp'), HostConfig: { NetworkMode: 'none' } })).start();
  const redis = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  await connected(redis);
  return { project, falkordb, graphiti, volume, port, redis };
}

/** redisOn connects a fresh client (no reconnects of its own) to a loopback server, one client per attempt, 100 ms apart, until PING answers; throws after `attempts`. */
export async function redisOn(port: number, password?: string, attempts = 100): Promise<Redis> {
  for (let i = 0; ; i++) {
    const r = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return r;
    } catch (error) {
      r.disconnect();
      if (i > attempts) throw error;
      await delay(100);
    }
  }
}

/** The variables that point autocodex-ops at a stand-in stack: its names, port and password. */
export function standinTarget(s: Pick<StandinStack, 'project' | 'falkordb' | 'graphiti' | 'port'>, password: string): Record<string, string> {
  return {
    COMPOSE_PROJECT_NAME: s.project,
    FALKORDB_CONTAINER_NAME: s.falkordb,
    GRAPHITI_MCP_CONTAINER_NAME: s.graphiti,
    GRAPHITI_FALKORDB_HOST: '127.0.0.1',
    GRAPHITI_FALKORDB_PORT: String(s.port),
    GRAPHITI_FALKORDB_PASSWORD: password,
  };
}

/** Each stack's own state folder under `root`, where its restore journals go (whatever the root or BACKUP_DIR). */
export const standinStateDir = (root: string, s: Pick<StandinStack, 'project'>): string => join(root, `${s.project}.state`);

/** standinTarget plus the restore tests' own places under `root`: backups and the state folder per stack. */
export function standinRestoreVars(s: StandinStack, password: string, root: string, over: Record<string, string> = {}): Record<string, string> {
  return { ...standinTarget(s, password), BACKUP_DIR: join(root, s.project), AUTOCODEX_OPS_STATE_DIR: standinStateDir(root, s), ...over };
}
