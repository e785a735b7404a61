import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';

// Brings up compose/docker-compose.yml with the local stand-in images (scripts/test-env.sh builds
// them) under a unique project, container names, volume and loopback ports, and checks the
// hardening the file promises: data mount path, loopback-only ports, auth, AOF, no secret on argv.

const COMPOSE_FILE = fileURLToPath(new URL('../../compose/docker-compose.yml', import.meta.url));
const STANDIN_TAG = 'autocodex-ops-standin';
const FALKORDB_IMAGE = `falkordb/falkordb:${STANDIN_TAG}`;
const DATA_PATH = '/var/lib/falkordb/data';
const HEALTH_TIMEOUT_MS = 120_000;

interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without throwing; `env` is added to the process environment, never to argv. */
async function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const result = await execa(file, args, { env, reject: false, timeout: 120_000 });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** `docker compose` (v2) when the plugin answers, else docker-compose (v1). */
async function detectCompose(): Promise<string[]> {
  if ((await run('docker', ['compose', 'version'])).exitCode === 0) return ['docker', 'compose'];
  if ((await run('docker-compose', ['version'])).exitCode === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` answers; run scripts/test-env.sh');
}

interface ContainerInspect {
  Path: string;
  Args: string[];
  State: { Status: string; Health?: { Status: string } };
  Config: { Cmd: string[] | null; Entrypoint: string[] | null; Healthcheck?: { Test: string[] }; StopTimeout?: number };
  HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[] | null> };
  Mounts: { Type: string; Name?: string; Destination: string }[];
}

async function inspect(name: string): Promise<ContainerInspect> {
  const { exitCode, stdout, stderr } = await run('docker', ['inspect', name]);
  if (exitCode !== 0) throw new Error(`docker inspect ${name} failed: ${stderr}`);
  const [container] = JSON.parse(stdout) as ContainerInspect[];
  if (!container) throw new Error(`docker inspect ${name} returned nothing`);
  return container;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('compose/docker-compose.yml stack', () => {
  const project = `aco-test-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const names = { falkordb: `${project}-falkordb`, mcp: `${project}-graphiti-mcp`, volume: `${project}_falkordb_data` };
  const ports = { falkordb: 0, mcp: 0 };
  let projectDir = '';
  let compose: string[] = [];
  let composeEnv: Record<string, string> = {};
  let health: Record<string, string> = {};

  const composeRun = (args: string[]) => {
    const [file = 'docker', ...pre] = compose;
    // --project-directory: a private folder, so that no stray .env beside the file leaks in.
    return run(file, [...pre, '-p', project, '--project-directory', projectDir, '-f', COMPOSE_FILE, ...args], composeEnv);
  };

  const redisCli = (args: string[], auth: boolean) =>
    run('docker', ['exec', ...(auth ? ['-e', 'REDISCLI_AUTH'] : []), names.falkordb, 'redis-cli', ...args], auth ? { REDISCLI_AUTH: password } : {});

  beforeAll(async () => {
    compose = await detectCompose();
    projectDir = mkdtempSync(join(tmpdir(), 'aco-compose-'));
    ports.falkordb = await freePort();
    ports.mcp = await freePort();
    composeEnv = {
      FALKORDB_IMAGE_TAG: STANDIN_TAG,
      GRAPHITI_MCP_IMAGE_TAG: STANDIN_TAG,
      // The stand-in is built for this machine's architecture.
      GRAPHITI_MCP_PLATFORM: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      FALKORDB_CONTAINER_NAME: names.falkordb,
      GRAPHITI_MCP_CONTAINER_NAME: names.mcp,
      FALKORDB_VOLUME: names.volume,
      GRAPHITI_FALKORDB_PORT: String(ports.falkordb),
      GRAPHITI_MCP_PORT: String(ports.mcp),
      REDIS_ARGS: `--appendonly yes --requirepass ${password}`,
      FALKORDB_PASSWORD: password,
    };

    const up = await composeRun(['up', '-d']);
    if (up.exitCode !== 0) throw new Error(`${compose.join(' ')} up failed (${up.exitCode}):\n${up.stderr}`);

    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    for (;;) {
      health = {};
      for (const name of [names.falkordb, names.mcp]) {
        const c = await inspect(name);
        health[name] = c.State.Health?.Status ?? c.State.Status;
      }
      const statuses = Object.values(health);
      if (statuses.every((s) => s === 'healthy') || statuses.includes('unhealthy') || Date.now() > deadline) break;
      await sleep(1000);
    }
  }, HEALTH_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    if (compose.length > 0 && projectDir) {
      const down = await composeRun(['down', '-v', '--remove-orphans']);
      if (down.exitCode !== 0) console.error(`compose down failed:\n${down.stderr}`);
    }
    if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  }, 120_000);

  it('brings both containers to healthy', async () => {
    if (Object.values(health).some((s) => s !== 'healthy')) {
      const logs = await composeRun(['logs', '--no-color', '--tail=30']);
      expect.fail(`health: ${JSON.stringify(health)}\n${logs.stdout}${logs.stderr}`);
    }
    expect(health).toEqual({ [names.falkordb]: 'healthy', [names.mcp]: 'healthy' });
  });

  it('mounts the data volume at /var/lib/falkordb/data, where the server writes', async () => {
    const c = await inspect(names.falkordb);
    const dataMount = c.Mounts.find((m) => m.Destination === DATA_PATH);
    expect(dataMount).toMatchObject({ Type: 'volume', Name: names.volume });
    expect(c.Mounts.filter((m) => m.Name === names.volume)).toHaveLength(1);

    const dir = await redisCli(['config', 'get', 'dir'], true);
    expect(dir.stdout.trim().split('\n')).toEqual(['dir', DATA_PATH]);
  });

  it('publishes both ports on 127.0.0.1 only', async () => {
    const falkordb = await inspect(names.falkordb);
    const mcp = await inspect(names.mcp);
    expect(falkordb.HostConfig.PortBindings['6379/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(ports.falkordb) }]);
    expect(mcp.HostConfig.PortBindings['8000/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(ports.mcp) }]);

    const sse = await fetch(`http://127.0.0.1:${ports.mcp}/sse`);
    expect(sse.status).toBe(200);
  });

  it('requires the password: REDISCLI_AUTH gets PONG, no auth gets NOAUTH', async () => {
    const authed = await redisCli(['ping'], true);
    expect(authed.stdout.trim()).toBe('PONG');

    const anonymous = await redisCli(['ping'], false);
    expect(anonymous.stdout).toContain('NOAUTH');
  });

  it('answers on the published loopback port with AUTH', async () => {
    const client = new Redis({
      host: '127.0.0.1',
      port: ports.falkordb,
      password,
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('runs with appendonly yes from REDIS_ARGS', async () => {
    const aof = await redisCli(['config', 'get', 'appendonly'], true);
    expect(aof.stdout.trim().split('\n')).toEqual(['appendonly', 'yes']);
  });

  it('keeps the password out of the container command line and healthcheck', async () => {
    const c = await inspect(names.falkordb);
    const argvLike = JSON.stringify([c.Path, c.Args, c.Config.Cmd, c.Config.Entrypoint, c.Config.Healthcheck?.Test]);
    expect(argvLike).not.toContain(password);
    expect(c.Config.Healthcheck?.Test.join(' ')).toContain('REDISCLI_AUTH');

    // redis-server rewrites its process title, so `ps` inside the container shows no secret either.
    const cmdline = await run('docker', ['exec', names.falkordb, 'cat', '/proc/1/cmdline']);
    expect(cmdline.exitCode).toBe(0);
    expect(cmdline.stdout).not.toContain(password);
  });

  it('saves dump.rdb and the AOF into the volume on docker stop (SIGTERM)', async () => {
    // stop_grace_period gives the final save time before SIGKILL; `docker stop` without -t uses it.
    expect((await inspect(names.falkordb)).Config.StopTimeout).toBe(60);
    const set = await redisCli(['set', 'aco:probe', 'kept'], true);
    expect(set.stdout.trim()).toBe('OK');

    const stop = await run('docker', ['stop', names.falkordb]);
    expect(stop.exitCode).toBe(0);

    const ls = await run('docker', ['run', '--rm', '-v', `${names.volume}:/d`, '--entrypoint', 'ls', FALKORDB_IMAGE, '-a', '/d']);
    expect(ls.exitCode).toBe(0);
    expect(ls.stdout.split('\n')).toEqual(expect.arrayContaining(['dump.rdb', 'appendonlydir']));
  });
});
