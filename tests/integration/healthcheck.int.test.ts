import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';
import { startHungServer } from '../helpers/hung-server.js';
import { freePort } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';

interface Row {
  id: string;
  status: string;
  message: string;
  hint?: string;
}

const PASSWORD = 'Int-Test-Pass-4242';
const FALKOR_CHECKS = 'falkordb-auth,falkordb-appendonly,falkordb-live,falkordb-data-mount,falkordb-exposure,docker,image-tags';

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('healthcheck against the real engine and stand-in FalkorDB', () => {
  const env = new DockerTestEnv();

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
  });
  afterAll(async () => {
    await env.cleanup();
  });

  /** startFalkor runs a stand-in with a published port, compose labels of a unique project, and REDIS_ARGS. */
  async function startFalkor(o: { redisArgs: string; mountAt?: string; hostIp?: string }) {
    const project = env.uniqueName('proj');
    const name = env.uniqueName('falkordb');
    const volume = await env.createVolume();
    const port = await freePort();
    const container = await env.docker.createContainer({
      name,
      Image: FALKORDB_STANDIN,
      Env: [`REDIS_ARGS=${o.redisArgs}`],
      Labels: { ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': 'falkordb' },
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: {
        Mounts: [{ Type: 'volume', Source: volume, Target: o.mountAt ?? '/var/lib/falkordb/data' }],
        PortBindings: { '6379/tcp': [{ HostIp: o.hostIp ?? '127.0.0.1', HostPort: String(port) }] },
      },
    });
    await container.start();
    // The server is ready when an authenticated or unauthenticated PING stops failing at TCP level.
    for (let i = 0; i < 50; i++) {
      const probe = await runProgram(['healthcheck', '--json', '--only', 'falkordb-live'], { env: baseEnv(project, name, port) });
      if (!JSON.parse(probe.stdout).checks[0].message.includes('unreachable')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return { project, name, port };
  }

  function baseEnv(project: string, name: string, port: number, extra: Record<string, string> = {}) {
    return {
      GRAPHITI_ENABLED: 'true',
      COMPOSE_PROJECT_NAME: project,
      FALKORDB_CONTAINER_NAME: name,
      GRAPHITI_FALKORDB_PORT: String(port),
      GRAPHITI_FALKORDB_HOST: '127.0.0.1',
      FALKORDB_IMAGE_TAG: 'autocodex-ops-standin',
      GRAPHITI_MCP_IMAGE_TAG: 'autocodex-ops-standin',
      ...extra,
    };
  }

  async function check(envVars: Record<string, string>, args: string[] = []) {
    const run = await runProgram(['healthcheck', '--json', '--only', FALKOR_CHECKS, ...args], { env: envVars });
    const doc = JSON.parse(run.stdout) as { status: string; checks: Row[] };
    const byId = Object.fromEntries(doc.checks.map((c) => [c.id, c]));
    return { run, doc, byId };
  }

  it('passes a hardened server: auth enforced and matching, AOF on, volume at the data dir, loopback only', async () => {
    const s = await startFalkor({ redisArgs: `--appendonly yes --requirepass ${PASSWORD}` });
    const { run, byId, doc } = await check(baseEnv(s.project, s.name, s.port, { GRAPHITI_FALKORDB_PASSWORD: PASSWORD, REDIS_ARGS: `--appendonly yes --requirepass ${PASSWORD}` }), ['--profile', 'production']);
    expect(byId['falkordb-auth']).toMatchObject({ status: 'ok', message: expect.stringMatching(/refuses unauthenticated PING and accepts the password/) });
    expect(byId['falkordb-appendonly']).toMatchObject({ status: 'ok', message: 'appendonly yes (live server)' });
    expect(byId['falkordb-live']).toMatchObject({ status: 'ok', message: expect.stringMatching(/answered PONG in/) });
    expect(byId['falkordb-data-mount']).toMatchObject({ status: 'ok', message: expect.stringMatching(/mounted at \/var\/lib\/falkordb\/data, where the server writes \(\/var\/lib\/falkordb\/data, from CONFIG GET dir\)/) });
    expect(byId['falkordb-exposure']?.status).toBe('ok');
    expect(byId['image-tags']).toMatchObject({ status: 'ok', message: expect.stringContaining(`${s.name} runs ${FALKORDB_STANDIN}`) });
    expect(doc.status).toBe('ok');
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('detects a server without --requirepass, AOF off, volume on /data and a port on 0.0.0.0', async () => {
    const s = await startFalkor({ redisArgs: '--appendonly no', mountAt: '/data', hostIp: '0.0.0.0' });
    const vars = baseEnv(s.project, s.name, s.port, { GRAPHITI_FALKORDB_PASSWORD: PASSWORD });
    const lax = await check(vars);
    expect(lax.byId['falkordb-auth']).toMatchObject({ status: 'warn', message: expect.stringMatching(/answers PING without a password/) });
    expect(lax.byId['falkordb-appendonly']).toMatchObject({ status: 'warn', message: expect.stringMatching(/appendonly no on the live server/) });
    expect(lax.byId['falkordb-data-mount']).toMatchObject({ status: 'fail', message: expect.stringMatching(/mounted at \/data but the server writes to \/var\/lib\/falkordb\/data/) });
    expect(lax.byId['falkordb-data-mount']?.hint).toMatch(/writable layer: recreating the container .* loses it\. Run `autocodex-ops harden falkordb`/);
    expect(lax.byId['falkordb-exposure']).toMatchObject({ status: 'warn', message: expect.stringMatching(/0\.0\.0\.0:\d+->6379/) });
    expect(lax.run.code).toBe(1);

    const prod = await check(vars, ['--profile', 'production']);
    for (const id of ['falkordb-auth', 'falkordb-appendonly', 'falkordb-exposure']) expect(prod.byId[id]?.status).toBe('fail');
  });

  it('fails a wrong password without printing it', async () => {
    const s = await startFalkor({ redisArgs: `--requirepass ${PASSWORD}` });
    const { byId, run } = await check(baseEnv(s.project, s.name, s.port, { GRAPHITI_FALKORDB_PASSWORD: 'Wrong-Pass-1234', REDIS_ARGS: `--requirepass ${PASSWORD}` }));
    expect(byId['falkordb-auth']).toMatchObject({ status: 'fail' });
    expect(byId['falkordb-auth']?.message).toMatch(/differs from GRAPHITI_FALKORDB_PASSWORD/);
    expect(byId['falkordb-auth']?.message).toMatch(/refuses the configured password/);
    expect(byId['falkordb-live']?.status).toBe('fail');
    expect(run.stdout + run.stderr).not.toMatch(/Wrong-Pass-1234|Int-Test-Pass/);
  });

  it('bounds a hung FalkorDB (TCP accepted, no answer) by the timeout', async () => {
    const hung = await startHungServer();
    try {
      const started = Date.now();
      const { byId, run } = await check(
        { GRAPHITI_ENABLED: 'true', GRAPHITI_FALKORDB_PORT: String(hung.port), GRAPHITI_FALKORDB_HOST: '127.0.0.1', GRAPHITI_FALKORDB_PASSWORD: PASSWORD },
        ['--timeout', '1500'],
      );
      const elapsed = Date.now() - started;
      expect(byId['falkordb-live']?.status).toBe('fail');
      expect(run.code).toBe(1);
      // Generous bound: the point is "bounded by the timeout", not a speed claim.
      expect(elapsed).toBeLessThan(1500 * 3 + 3000);
      expect(hung.connections()).toBeGreaterThan(0);
    } finally {
      await hung.stop();
    }
  });

  it('reports an unreachable Docker engine and skips what depends on it', async () => {
    const { byId } = await check({ GRAPHITI_ENABLED: 'true', DOCKER_HOST: 'unix:///nonexistent/docker.sock', GRAPHITI_FALKORDB_PORT: String(await freePort()) });
    expect(byId.docker).toMatchObject({ status: 'fail', message: expect.stringMatching(/Docker engine is not reachable at unix:\/\/\/nonexistent\/docker\.sock/) });
    expect(byId.docker?.hint).toBeTruthy();
    expect(byId['falkordb-data-mount']).toMatchObject({ status: 'skip', message: 'Docker engine unavailable (see docker)' });
    expect(byId['falkordb-exposure']?.status).toBe('skip');
  });
});
