import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, GRAPHITI_STANDIN } from '../helpers/docker.js';
import { freePort } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';

interface Row {
  id: string;
  status: string;
  message: string;
}

// containers-health, graphiti-mcp-exposure and backup-disk against real containers, health states and a real volume.
describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('healthcheck: stack health, MCP exposure, volume size (real engine)', () => {
  const env = new DockerTestEnv();
  const dirs: string[] = [];

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
  });
  afterAll(async () => {
    await env.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function startMcp(project: string, hostIp: string): Promise<string> {
    const name = env.uniqueName('mcp');
    const c = await env.docker.createContainer({
      name,
      Image: GRAPHITI_STANDIN,
      Labels: { ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': 'graphiti-mcp', 'com.docker.compose.oneoff': 'False' },
      ExposedPorts: { '8000/tcp': {} },
      HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: hostIp, HostPort: String(await freePort()) }] } },
    });
    await c.start();
    return name;
  }

  async function waitHealth(name: string, want: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const s = (await env.docker.getContainer(name).inspect()).State.Health?.Status;
      if (s === want) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} never became ${want}`);
  }

  async function checks(vars: Record<string, string>, only: string): Promise<Record<string, Row>> {
    const run = await runProgram(['healthcheck', '--json', '--only', only], { env: { GRAPHITI_ENABLED: 'true', ...vars } });
    return Object.fromEntries((JSON.parse(run.stdout) as { checks: Row[] }).checks.map((c) => [c.id, c]));
  }

  it('containers-health: unhealthy fails, healthy passes; graphiti-mcp-exposure sees 0.0.0.0', async () => {
    const project = env.uniqueName('proj');
    const sick = await env.createFalkorContainer({ compose: { project, service: 'falkordb' }, healthcheck: 'failing' });
    const mcp = await startMcp(project, '0.0.0.0');
    await waitHealth(sick.name, 'unhealthy');
    const vars = { COMPOSE_PROJECT_NAME: project, FALKORDB_CONTAINER_NAME: sick.name, GRAPHITI_MCP_CONTAINER_NAME: mcp };
    const bad = await checks(vars, 'containers-health,graphiti-mcp-exposure');
    expect(bad['containers-health']).toMatchObject({ status: 'fail', message: `${sick.name} unhealthy, ${mcp} no healthcheck` });
    expect(bad['graphiti-mcp-exposure']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^Graphiti MCP port published on all interfaces \(0\.0\.0\.0:\d+->8000\)$/) });
    expect((await checks({ ...vars, AUTO_CODEX_PRODUCTION: 'true' }, 'graphiti-mcp-exposure'))['graphiti-mcp-exposure']?.status).toBe('fail');

    await env.docker.getContainer(sick.name).remove({ force: true, v: true });
    const well = await env.createFalkorContainer({ compose: { project, service: 'falkordb' }, healthcheck: 'redis' });
    await waitHealth(well.name, 'healthy');
    const good = await checks({ ...vars, FALKORDB_CONTAINER_NAME: well.name }, 'containers-health');
    expect(good['containers-health']).toMatchObject({ status: 'warn', message: `${well.name} healthy, ${mcp} no healthcheck` });
  });

  it('graphiti-mcp-exposure passes a loopback-only port', async () => {
    const project = env.uniqueName('proj');
    const mcp = await startMcp(project, '127.0.0.1');
    const rows = await checks({ COMPOSE_PROJECT_NAME: project, GRAPHITI_MCP_CONTAINER_NAME: mcp, AUTO_CODEX_PRODUCTION: 'true' }, 'graphiti-mcp-exposure');
    expect(rows['graphiti-mcp-exposure']).toMatchObject({ status: 'ok', message: expect.stringMatching(/^published on loopback only \(127\.0\.0\.1:\d+->8000\)$/) });
  });

  it('backup-disk measures the data volume through the engine and sizes the next backup by it', async () => {
    const volume = await env.createVolume();
    await env.fillVolume(volume, { 'dump.rdb': Buffer.alloc(300 * 1024, 1), 'appendonlydir/appendonly.aof.1.incr.aof': Buffer.alloc(100 * 1024, 2) });
    const backupDir = mkdtempSync(join(tmpdir(), 'aco-disk-'));
    dirs.push(backupDir);
    const rows = await checks({ FALKORDB_VOLUME: volume, BACKUP_DIR: backupDir }, 'backup-disk');
    const row = rows['backup-disk']!;
    expect(row.status).toBe('ok');
    // The engine's du of the volume: at least the 400 KiB written, a few blocks more for the folders.
    const m = new RegExp(`volume ${volume} ([\\d.]+) KiB; next backup about`).exec(row.message);
    expect(m, row.message).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(400);
    expect(Number(m![1])).toBeLessThan(420);
  });
});
