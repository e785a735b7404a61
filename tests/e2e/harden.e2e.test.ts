import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';
import { freePort } from '../helpers/redis-server.js';
import { redisOn } from '../helpers/standin-stack.js';

// `harden falkordb` through the built single binary on a real engine: a UI-started trap container
// with 500 keys is hardened; a run killed with SIGKILL after the old container was renamed is undone
// by the next run, which then hardens it.

const REPO = new URL('../..', import.meta.url).pathname;
const BINARY = join(REPO, 'dist/autocodex-ops');
const KEYS = 500;

beforeAll(() => {
  if (!existsSync(BINARY)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
});

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('harden falkordb through the binary on a real engine', () => {
  const env = new DockerTestEnv();
  const names: string[] = [];
  const roots: string[] = [];

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
  });
  afterAll(async () => {
    for (const name of names) await env.docker.getContainer(name).remove({ force: true, v: true }).catch(() => undefined);
    await env.cleanup();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  const redis = (port: number, password?: string): Promise<Redis> => redisOn(port, password);

  it('hardens a UI-started trap container; a SIGKILLed run is undone by the next, which finishes', async () => {
    const name = env.uniqueName('falkordb');
    names.push(name);
    const volume = await env.createVolume();
    const port = await freePort();
    const c = await env.docker.createContainer({
      name,
      Image: FALKORDB_STANDIN,
      Env: ['FALKORDB_ARGS=--appendonly yes'],
      Labels: env.label,
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' }, PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
    });
    await c.start();
    const r = await redis(port);
    const pipe = r.pipeline();
    for (let i = 0; i < KEYS; i++) pipe.set(`k${i}`, `v${i}`);
    await pipe.exec();
    r.disconnect();
    const oldId = (await c.inspect()).Id;
    const root = mkdtempSync(join(tmpdir(), 'aco-e2e-harden-'));
    roots.push(root);
    mkdirSync(join(root, 'auto-codex'));
    writeFileSync(join(root, '.env'), 'GRAPHITI_ENABLED=true\n');
    const vars = {
      NO_COLOR: '1',
      AUTO_CODEX_ROOT: root,
      AUTOCODEX_OPS_LOCK_DIR: join(root, 'locks'),
      COMPOSE_PROJECT_NAME: env.uniqueName('proj'),
      FALKORDB_CONTAINER_NAME: name,
      FALKORDB_VOLUME: volume,
      GRAPHITI_FALKORDB_HOST: '127.0.0.1',
      GRAPHITI_FALKORDB_PORT: String(port),
      RESTORE_HEALTH_TIMEOUT_SECS: '30',
    };

    // SIGKILL right after the rename: nothing can clean up, the journal is what is left.
    const killed = execa(BINARY, ['harden', 'falkordb', '--generate-password', '--yes'], { reject: false, env: vars });
    killed.stderr!.on('data', (chunk: Buffer) => {
      if (/renamed it to/.test(chunk.toString())) killed.kill('SIGKILL');
    });
    const k = await killed;
    expect(k.signal).toBe('SIGKILL');
    expect(existsSync(join(root, '.autocodex-ops', 'harden-journal.json'))).toBe(true);
    expect((await env.docker.getContainer(oldId).inspect()).State.Running).toBe(false);

    const run = await execa(BINARY, ['harden', 'falkordb', '--generate-password', '--yes', '--json'], { reject: false, env: vars });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'hardened', keys: KEYS, volume, undidPrevious: expect.any(String) });
    expect(existsSync(join(root, '.autocodex-ops', 'harden-journal.json'))).toBe(false);
    const password = parse(readFileSync(join(root, '.env'))).GRAPHITI_FALKORDB_PASSWORD!;
    expect(parse(readFileSync(join(root, 'auto-codex', '.env'))).GRAPHITI_FALKORDB_PASSWORD).toBe(password);
    expect(run.stdout + run.stderr).not.toContain(password);
    const hardened = await redis(port, password);
    expect(await hardened.dbsize()).toBe(KEYS);
    hardened.disconnect();
    const now = await env.docker.getContainer(name).inspect();
    expect(now.Id).not.toBe(oldId);
    expect(now.Mounts.find((m) => m.Destination === '/var/lib/falkordb/data')?.Name).toBe(volume);

    const again = await execa(BINARY, ['harden', 'falkordb', '--yes', '--json'], { reject: false, env: { ...vars, GRAPHITI_FALKORDB_PASSWORD: password } });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'already-hardened' });
  });

  it('without a terminal and without --yes: exit 2, nothing touched', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aco-e2e-harden-'));
    roots.push(root);
    const r = await execa(BINARY, ['harden', 'falkordb', '--root', root], { reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Refusing to harden FalkorDB without confirmation/);
  });
});
