import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArchive } from '../helpers/archives.js';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';
import { startRedisServer } from '../helpers/redis-server.js';

// `drill` through the built single binary: userdata (no engine needed) and its record in
// `backup list`; with a Docker engine, a FalkorDB drill next to a live stand-in, and a drill killed
// with SIGKILL while its scratch server exists, whose leftovers the next drill removes.

const REPO = new URL('../..', import.meta.url).pathname;
const BINARY = join(REPO, 'dist/autocodex-ops');
const run = (args: string[], env: Record<string, string> = {}) => execa(BINARY, args, { reject: false, env: { NO_COLOR: '1', ...env } });
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

beforeAll(() => {
  if (!existsSync(BINARY)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
});

describe('drill userdata through the binary', () => {
  it('exit 0 with the parsed files; backup list shows the drill', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aco-e2e-drill-'));
    roots.push(root);
    await makeArchive(join(root, 'backups', 'userdata_20250101_000000.tar.gz'), { 'settings.json': '{"riskPolicy":{}}', 'store/projects.json': '[]' });
    const r = await run(['drill', 'userdata', '--latest', '--json', '--root', root]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'userdata', ok: true, files: [{ path: 'settings.json', ok: true }, { path: 'store/projects.json', ok: true }] });
    const list = await run(['backup', 'list', '--root', root]);
    expect(list.stdout).toMatch(/\d{4}-\d\d-\d\d ok\s+userdata_20250101_000000\.tar\.gz/);
  });

  it('a missing subcommand argument is exit 2', async () => {
    const r = await run(['drill', 'falkordb', '--root', tmpdir()]);
    expect(r.exitCode).toBe(2);
  });
});

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('drill falkordb through the binary on a real engine', () => {
  const env = new DockerTestEnv();
  let root: string;
  let archive: string;
  let liveEnv: Record<string, string>;
  const leftovers = async () => (await env.docker.listContainers({ all: true, filters: { label: ['autocodex-ops.drill'] } })).length + ((await env.docker.listVolumes({ filters: { label: ['autocodex-ops.drill'] } })).Volumes ?? []).length;

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    root = mkdtempSync(join(tmpdir(), 'aco-e2e-drill-f-'));
    roots.push(root);
    const server = await startRedisServer();
    const redis = new Redis({ port: server.port });
    for (let i = 0; i < 30; i += 1) await redis.set(`k${i}`, 'v');
    await redis.save();
    redis.disconnect();
    const data = join(root, 'data');
    mkdirSync(data);
    cpSync(join(server.dir, 'dump.rdb'), join(data, 'dump.rdb'));
    await server.stop();
    archive = await makeArchive(join(root, 'backups', 'falkordb_data_20250101_000000.tar.gz'), { 'dump.rdb': (await import('node:fs')).readFileSync(join(data, 'dump.rdb')) });
    const project = env.uniqueName('proj');
    const name = env.uniqueName('falkordb');
    const c = await env.docker.createContainer({
      name,
      Image: FALKORDB_STANDIN,
      Labels: { ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': 'falkordb', 'com.docker.compose.oneoff': 'False' },
      Env: ['REDIS_ARGS=--appendonly yes'],
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    liveEnv = { COMPOSE_PROJECT_NAME: project, FALKORDB_CONTAINER_NAME: name, DOCKER_HOST: 'unix:///var/run/docker.sock' };
  }, 120_000);

  afterAll(async () => env.cleanup(), 60_000);

  it('exit 0 with the keys loaded; SIGKILL mid-drill leaves a scratch pair the next drill removes', async () => {
    const ok = await run(['drill', 'falkordb', archive, '--json', '--root', root], liveEnv);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout) as { loadMs: number; probeMs: number; durationMs: number };
    expect(result).toMatchObject({ ok: true, keys: 30, load: 'rdb-as-aof-base' });
    // The load and the probe after it, apart: together less than the whole drill (checks, extraction, scratch pair).
    expect(result.loadMs).toBeGreaterThan(0);
    expect(result.probeMs).toBeGreaterThanOrEqual(0);
    expect(result.loadMs + result.probeMs).toBeLessThan(result.durationMs);
    const child = execa(BINARY, ['drill', 'falkordb', archive, '--root', root], { reject: false, env: { NO_COLOR: '1', ...liveEnv } });
    for (let i = 0; i < 200 && (await leftovers()) === 0; i += 1) await delay(25);
    child.kill('SIGKILL');
    await child;
    expect(await leftovers()).toBeGreaterThan(0);
    const next = await run(['drill', 'falkordb', archive, '--root', root], liveEnv);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toContain('Removed what an earlier drill left behind');
    expect(await leftovers()).toBe(0);
  }, 120_000);
});
