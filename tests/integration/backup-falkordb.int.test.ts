import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/run/lock.js';
import { engineKey, falkordbLockTarget } from '../../src/core/run/target-lock.js';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, GRAPHITI_STANDIN } from '../helpers/docker.js';
import { runProgram, testLockDir } from '../helpers/run-program.js';
import { standinTarget } from '../helpers/standin-stack.js';

// `backup falkordb` end to end on the real engine with the stand-in FalkorDB (redis 7 laid out
// like FalkorDB): each stack gets its own compose project, volume and published port, so the
// command finds it exactly as it finds Auto-Codex's. Verification goes around the code under
// test: system tar, sha256sum, ioredis, dockerode.

const PASSWORD = 'it-backup-pw-7c1e';

interface Stack {
  project: string;
  falkordb: string;
  graphiti: string;
  volume: string;
  port: number;
  redis: Redis;
}

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('backup falkordb on a real engine', () => {
  const env = new DockerTestEnv();
  const stacks: Stack[] = [];
  const mounts: string[] = [];
  let root: string;

  async function containerPort(name: string): Promise<number> {
    const info = await env.docker.getContainer(name).inspect();
    return Number(info.NetworkSettings.Ports['6379/tcp']?.[0]?.HostPort);
  }

  async function stack(options: { appendonly: boolean; mountAt?: string; graphiti?: 'running' | 'stopped' }): Promise<Stack> {
    const project = env.uniqueName('proj');
    const volume = await env.createVolume('data');
    const falkordb = env.uniqueName('falkordb');
    const labels = (service: string) => ({ ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.oneoff': 'False' });
    const c = await env.docker.createContainer({
      name: falkordb,
      Image: FALKORDB_STANDIN,
      Labels: labels('falkordb'),
      Env: [`REDIS_ARGS=--requirepass ${PASSWORD} --appendonly ${options.appendonly ? 'yes' : 'no'}`],
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: {
        PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        Mounts: [{ Type: 'volume', Source: volume, Target: options.mountAt ?? '/var/lib/falkordb/data' }],
      },
    });
    await c.start();
    const graphiti = env.uniqueName('graphiti');
    const g = await env.docker.createContainer({ name: graphiti, Image: GRAPHITI_STANDIN, Labels: labels('graphiti-mcp'), HostConfig: { NetworkMode: 'none' } });
    if (options.graphiti !== 'stopped') await g.start();
    const port = await containerPort(falkordb);
    const redis = new Redis({ host: '127.0.0.1', port, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    for (let i = 0; ; i += 1) {
      try {
        if (redis.status !== 'ready') await redis.connect().catch(() => undefined);
        if ((await redis.ping()) === 'PONG') break;
      } catch {
        if (i > 100) throw new Error(`stand-in ${falkordb} never answered`);
      }
      await delay(100);
    }
    const s = { project, falkordb, graphiti, volume, port, redis };
    stacks.push(s);
    return s;
  }

  const envFor = (s: Stack, over: Record<string, string> = {}) => ({ ...standinTarget(s, PASSWORD), ...over });

  async function backup(s: Stack, args: string[], over: Record<string, string> = {}) {
    const run = await runProgram(['backup', 'falkordb', '--json', '--root', root, ...args], { env: envFor(s, over) });
    return { ...run, result: run.code === 0 ? JSON.parse(run.stdout) : undefined };
  }

  const tarList = async (archive: string) => (await execa('tar', ['-tzf', archive])).stdout.split('\n');
  const state = async (name: string) => (await env.docker.getContainer(name).inspect()).State;
  // Only helpers of this volume: other test runs may have helpers of their own at the same time.
  const helpers = async (volume: string) => (await env.docker.listContainers({ all: true, filters: { label: ['autocodex-ops.helper=1'], volume: [volume] } })).length;

  async function writeKeys(s: Stack, n: number): Promise<number> {
    const pipe = s.redis.pipeline();
    for (let i = 0; i < n; i += 1) pipe.set(`graph:${i}`, `value-${i}-${'x'.repeat(100)}`);
    await pipe.exec();
    return s.redis.dbsize();
  }

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    root = mkdtempSync(join(tmpdir(), 'aco-int-bk-'));
  });

  afterAll(async () => {
    for (const s of stacks) s.redis.disconnect();
    for (const m of mounts) await execa('umount', [m]).catch(() => undefined);
    await env.cleanup();
  });

  it('save mode with AOF on: dump.rdb and appendonlydir, sidecar and manifest match, AOF rewrite setting put back', async () => {
    const s = await stack({ appendonly: true });
    const keys = await writeKeys(s, 500);
    await s.redis.config('SET', 'auto-aof-rewrite-percentage', '77');
    const { code, result, stderr } = await backup(s, ['--output-dir', join(root, 'save-aof')]);
    expect(code, stderr).toBe(0);
    expect(result).toMatchObject({ kind: 'falkordb', mode: 'save', pruned: [], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const entries = await tarList(result.archive);
    expect(entries).toContain('./dump.rdb');
    expect(entries.some((e) => e.startsWith('./appendonlydir/'))).toBe(true);
    expect((await execa('busybox', ['tar', '-tzf', result.archive])).stdout).toContain('./dump.rdb');
    await execa('sha256sum', ['-c', `${result.archive}.sha256`], { cwd: join(root, 'save-aof') });
    const manifest = JSON.parse(readFileSync(`${result.archive}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ kind: 'falkordb', mode: 'save', server: { keys, appendonly: true, dataDir: '/var/lib/falkordb/data' }, source: { volume: s.volume, mountedAt: '/var/lib/falkordb/data', container: { name: s.falkordb } }, archive: { sha256: result.sha256, compressedBytes: result.bytes } });
    expect(manifest.server.lastsave).toBe(await s.redis.lastsave());
    expect(await s.redis.config('GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '77']);
    expect((await state(s.falkordb)).Running).toBe(true);
    expect(await helpers(s.volume)).toBe(0);
    expect(stderr).not.toContain(PASSWORD);
  });

  it('save mode with AOF off: dump.rdb only, key count from DBSIZE', async () => {
    const s = await stack({ appendonly: false });
    const keys = await writeKeys(s, 321);
    const { code, result, stderr } = await backup(s, ['--output-dir', join(root, 'save-rdb')]);
    expect(code, stderr).toBe(0);
    const entries = await tarList(result.archive);
    expect(entries).toContain('./dump.rdb');
    expect(entries.some((e) => e.includes('appendonlydir'))).toBe(false);
    expect(JSON.parse(readFileSync(`${result.archive}.manifest.json`, 'utf8')).server).toMatchObject({ keys, appendonly: false });
  });

  it('stop mode restarts exactly what ran: FalkorDB again, a stopped Graphiti MCP stays stopped', async () => {
    const s = await stack({ appendonly: true, graphiti: 'stopped' });
    await writeKeys(s, 50);
    const before = await state(s.falkordb);
    const { code, result, stderr } = await backup(s, ['--mode', 'stop', '--output-dir', join(root, 'stop')]);
    expect(code, stderr).toBe(0);
    expect(result.mode).toBe('stop');
    const after = await state(s.falkordb);
    expect(after.Running).toBe(true);
    expect(after.StartedAt).not.toBe(before.StartedAt);
    expect((await state(s.graphiti)).Running).toBe(false);
    expect(await tarList(result.archive)).toContain('./dump.rdb');
  });

  it('stop mode with both running stops and restarts both', async () => {
    const s = await stack({ appendonly: false });
    const [f0, g0] = [await state(s.falkordb), await state(s.graphiti)];
    const { code, stderr } = await backup(s, ['--mode', 'stop', '--output-dir', join(root, 'stop2')]);
    expect(code, stderr).toBe(0);
    const [f1, g1] = [await state(s.falkordb), await state(s.graphiti)];
    expect([f1.Running, g1.Running]).toEqual([true, true]);
    expect(f1.StartedAt).not.toBe(f0.StartedAt);
    expect(g1.StartedAt).not.toBe(g0.StartedAt);
  });

  it('live mode works with a warning', async () => {
    const s = await stack({ appendonly: false });
    await writeKeys(s, 10);
    await s.redis.save();
    const { code, result } = await backup(s, ['--mode', 'live', '--output-dir', join(root, 'live')]);
    expect(code).toBe(0);
    expect(result.warnings).toEqual([expect.stringMatching(/Live mode/)]);
  });

  it('full disk: a clear error, no partial file, the AOF setting back, services restarted', async () => {
    const s = await stack({ appendonly: true });
    // 3 MB of random bytes: the RDB cannot shrink below the 1 MiB tmpfs.
    await s.redis.set('big', randomBytes(3 * 1024 * 1024));
    const small = join(root, 'tmpfs');
    mkdirSync(small);
    // mode=700: a tmpfs root is 1777 by default, which root refuses to write backups into (safe-output-dir.ts).
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=700', 'tmpfs', small]);
    mounts.push(small);
    const save = await backup(s, ['--output-dir', small]);
    expect(save.code).toBe(1);
    expect(save.stderr).toMatch(/No space left on the device while writing .*falkordb_data_\d{8}_\d{6}\.tar\.gz; the partial file was removed/);
    expect(readdirSync(small)).toEqual([]);
    expect(await s.redis.config('GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '100']);
    const stop = await backup(s, ['--mode', 'stop', '--output-dir', small]);
    expect(stop.code).toBe(1);
    expect(readdirSync(small)).toEqual([]);
    expect((await state(s.falkordb)).Running).toBe(true);
    expect((await state(s.graphiti)).Running).toBe(true);
  });

  it('volume mounted at /data: refused with the mount-trap hint, nothing kept', async () => {
    const s = await stack({ appendonly: false, mountAt: '/data' });
    await writeKeys(s, 5);
    const { code, stderr } = await backup(s, ['--output-dir', join(root, 'trap')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/neither dump.rdb nor appendonlydir/);
    expect(stderr).toMatch(/\/var\/lib\/falkordb\/data/);
    // The hint must not send the user to recreate the container, which would lose the data in its layer.
    expect(stderr).toMatch(/recreating the container .* loses it\. Run `autocodex-ops harden falkordb`/);
    expect(stderr).not.toMatch(/Mount the volume at|then recreate the container/);
    expect(readdirSync(join(root, 'trap'))).toEqual([]);
  });

  it('missing volume: exit 10 and no volume is created', async () => {
    const s = await stack({ appendonly: false });
    const missing = env.uniqueName('never-created');
    const run = await backup(s, ['--output-dir', join(root, 'novol')], { FALKORDB_CONTAINER_NAME: 'aco-test-no-such-container', COMPOSE_PROJECT_NAME: 'aco-test-no-such-project', FALKORDB_VOLUME: missing });
    expect(run.code).toBe(10);
    expect(run.stderr).toContain(missing);
    expect(await env.volumeExists(missing)).toBe(false);
  });

  it('wrong password: exit 10, nothing written', async () => {
    const s = await stack({ appendonly: false });
    const run = await backup(s, ['--output-dir', join(root, 'badpw')], { GRAPHITI_FALKORDB_PASSWORD: 'wrong-password-x' });
    expect(run.code).toBe(10);
    expect(run.stderr).not.toContain('wrong-password-x');
    expect(() => readdirSync(join(root, 'badpw'))).toThrow();
  });

  it('engine unreachable: exit 10', async () => {
    const s = stacks[0]!;
    const run = await backup(s, ['--output-dir', join(root, 'nodocker')], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(run.code).toBe(10);
    expect(run.stderr).toMatch(/Docker engine is not reachable at unix:\/\/\/nonexistent/);
  });

  it('lock held by another run: exit 11', async () => {
    const s = stacks[0]!;
    const lock = await acquireLock({ dir: testLockDir(), target: falkordbLockTarget(engineKey(envFor(s, {})), 'auto-codex_falkordb_data'), command: 'backup falkordb' });
    try {
      const run = await backup(s, ['--output-dir', join(root, 'locked')]);
      expect(run.code).toBe(11);
      expect(() => readdirSync(join(root, 'locked'))).toThrow();
    } finally {
      await lock.release();
    }
  });
});
