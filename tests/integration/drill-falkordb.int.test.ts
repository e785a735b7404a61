import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../src/core/archive/read-archive.js';
import { readDrillRecords } from '../../src/core/backup-store/drill-records.js';
import { createDockerApi, type DockerApi } from '../../src/core/docker/docker.js';
import { runFalkorDrill, type FalkorDrillOptions } from '../../src/core/drill/run-falkordb-drill.js';
import { DRILL_LABEL, createScratch } from '../../src/core/drill/scratch.js';
import { InterruptedError } from '../../src/core/errors.js';
import { makeArchive } from '../helpers/archives.js';
import { DockerTestEnv, dockerInputs, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';
import { connected } from '../helpers/standin-stack.js';

// `drill falkordb` on the real engine with the stand-in FalkorDB (Debian redis-server 7.0, no
// GRAPH.* commands). The archives hold what a real redis-server wrote (SAVE, or its AOF folder);
// the live container is a stand-in with AOF on and a password, and after every drill its start
// time and its volume's digest must be what they were, and no scratch container or volume is left.

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('drill falkordb on a real engine', () => {
  const env = new DockerTestEnv();
  let docker: DockerApi;
  let dir: string;
  let live: { id: string; name: string; volume: string; project: string };
  let rdbArchive: string;
  let aofArchive: string;
  const quiet = { info: () => undefined, warn: () => undefined };

  /** Writes `keys` keys with a real redis-server and returns its data dir's files after SAVE (and with AOF, its appendonlydir). */
  async function realData(keys: number, appendonly: boolean): Promise<string> {
    const server = await startRedisServer({ appendonly });
    const redis = new Redis({ port: server.port, lazyConnect: true });
    try {
      await redis.connect();
      const pipe = redis.pipeline();
      for (let i = 0; i < keys; i += 1) pipe.set(`k${i}`, `value-${i}`);
      await pipe.exec();
      if (!appendonly) await redis.save();
      const out = mkdtempSync(join(tmpdir(), 'aco-drill-data-'));
      if (appendonly) cpSync(join(server.dir, 'appendonlydir'), join(out, 'appendonlydir'), { recursive: true });
      else cpSync(join(server.dir, 'dump.rdb'), join(out, 'dump.rdb'));
      return out;
    } finally {
      redis.disconnect();
      await server.stop();
    }
  }

  async function archiveOf(name: string, dataDir: string, files: string[]): Promise<string> {
    const { readFileSync, readdirSync, statSync } = await import('node:fs');
    const tree: Record<string, Buffer> = {};
    const walk = (rel: string) => {
      const p = join(dataDir, rel);
      if (statSync(p).isDirectory()) for (const f of readdirSync(p)) walk(join(rel, f));
      else tree[rel] = readFileSync(p);
    };
    for (const f of files) walk(f);
    return makeArchive(join(dir, name), tree);
  }

  /** A manifest that matches the archive but says the server held `keys` keys. */
  async function withManifest(archive: string, keys: number): Promise<void> {
    const l = await readArchive(archive);
    const manifest = {
      formatVersion: 1,
      kind: 'falkordb',
      createdAt: new Date().toISOString(),
      archive: { file: archive.split('/').pop(), sha256: l.sha256, compressedBytes: l.compressedBytes, uncompressedBytes: l.tarBytes, entries: l.entries.length },
      server: { keys },
    };
    writeFileSync(`${archive}.manifest.json`, JSON.stringify(manifest));
  }

  const options = (archive: string, over: Partial<FalkorDrillOptions> = {}): FalkorDrillOptions => ({
    archive,
    timeoutSecs: 60,
    keep: false,
    stack: { composeProject: live.project, falkordb: { containerName: live.name }, graphitiMcp: { containerName: `${live.name}-no-graphiti` } },
    ...over,
  });

  async function liveState(): Promise<{ startedAt: string; digest: string[] }> {
    const c = await env.docker.getContainer(live.id).inspect();
    return { startedAt: c.State.StartedAt, digest: await env.digest(live.volume) };
  }

  async function leftovers(): Promise<{ containers: string[]; volumes: string[] }> {
    const containers = (await env.docker.listContainers({ all: true, filters: { label: [DRILL_LABEL] } })).map((c) => c.Names[0] ?? c.Id);
    const volumes = ((await env.docker.listVolumes({ filters: { label: [DRILL_LABEL] } })).Volumes ?? []).map((v) => v.Name);
    return { containers, volumes };
  }

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    docker = await createDockerApi({ inputs: dockerInputs() });
    dir = mkdtempSync(join(tmpdir(), 'aco-drill-'));
    const project = env.uniqueName('proj');
    const volume = await env.createVolume('live');
    await env.fillVolume(volume, { 'dump.rdb': 'live data the drill must never touch' });
    const name = env.uniqueName('falkordb');
    const c = await env.docker.createContainer({
      name,
      Image: FALKORDB_STANDIN,
      Labels: { ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': 'falkordb', 'com.docker.compose.oneoff': 'False' },
      // The drill copies the persistence options, never the password.
      Env: ['REDIS_ARGS=--appendonly yes --requirepass live-secret-7f3a --save ""'],
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
    });
    await c.start();
    live = { id: c.id, name, volume, project };
    rdbArchive = await archiveOf('rdb.tar.gz', await realData(120, false), ['dump.rdb']);
    aofArchive = await archiveOf('aof.tar.gz', await realData(80, true), ['appendonlydir']);
  }, 180_000);

  afterAll(async () => {
    await env.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('an RDB-only archive onto an AOF-on server loads (laid out as the AOF base), all keys; the live container is untouched', async () => {
    await withManifest(rdbArchive, 120);
    const before = await liveState();
    const result = await runFalkorDrill(options(rdbArchive), { docker: async () => docker, log: quiet });
    expect(result).toMatchObject({ ok: true, keys: 120, expectedKeys: 120, load: 'rdb-as-aof-base', problems: [] });
    expect(result.loadMs).toBeGreaterThan(0);
    expect(result.probeMs).toBeGreaterThanOrEqual(0);
    expect(result.graphProbe).toMatch(/skipped: .*no GRAPH\.\* commands/);
    expect(JSON.stringify(result)).not.toContain('live-secret');
    expect(await liveState()).toEqual(before);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);

  it('loadMs is the load only and probeMs the probe after it, from the engine, not the host', async () => {
    // The host learns of the container's end 4 s late: a loadMs timed on the host (start to exit,
    // which holds the probe and the shutdown too) would hold those 4 s.
    const lateMs = 4000;
    const late = new Proxy(docker, {
      get: (target, name: keyof DockerApi) => {
        if (name === 'waitContainer') return async (...args: Parameters<DockerApi['waitContainer']>) => {
          const code = await target.waitContainer(...args);
          await new Promise((r) => setTimeout(r, lateMs));
          return code;
        };
        const value = target[name];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const result = await runFalkorDrill(options(aofArchive), { docker: async () => late, log: quiet });
    expect(result).toMatchObject({ ok: true, keys: 80 });
    expect(result.loadMs).toBeGreaterThan(0);
    expect(result.loadMs).toBeLessThan(lateMs);
    expect(result.probeMs).toBeGreaterThanOrEqual(0);
    expect(result.loadMs! + result.probeMs!).toBeLessThan(result.durationMs - lateMs);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);

  it('an AOF archive loads', async () => {
    const result = await runFalkorDrill(options(aofArchive), { docker: async () => docker, log: quiet });
    expect(result).toMatchObject({ ok: true, keys: 80, load: 'aof', problems: [] });
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);

  it('a key count that differs from the manifest fails and names both counts', async () => {
    const copy = join(dir, 'mismatch.tar.gz');
    cpSync(rdbArchive, copy);
    cpSync(`${rdbArchive}.sha256`, `${copy}.sha256`);
    await withManifest(copy, 135);
    const result = await runFalkorDrill(options(copy), { docker: async () => docker, log: quiet });
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('key count 120, manifest 135');
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);

  it('an RDB that does not load (random bytes with a matching sidecar) fails with exit 1 through the binary, naming the problem', async () => {
    const bad = await makeArchive(join(dir, 'corrupt.tar.gz'), { 'dump.rdb': Buffer.concat([Buffer.from('REDIS0010'), randomBytes(4096)]) });
    const before = await liveState();
    const run = await runProgram(['--json', 'drill', 'falkordb', bad], {
      env: { ...process.env, AUTO_CODEX_ROOT: dir, FALKORDB_CONTAINER_NAME: live.name, COMPOSE_PROJECT_NAME: live.project },
    });
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { ok: boolean; problems: string[] };
    expect(out.ok).toBe(false);
    expect(out.problems.join(' ')).toMatch(/did not load|holds no keys/);
    // The verdict is recorded where backup list and the restore-drill check read it.
    expect(await readDrillRecords(join(dir, 'backups'))).toEqual([expect.objectContaining({ file: 'corrupt.tar.gz', ok: false, kind: 'falkordb' })]);
    expect(await liveState()).toEqual(before);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);

  it('a backup of the live service runs while a drill of it is going on: both succeed, the live server untouched', async () => {
    // A live stand-in that a backup can reach (a loopback port), with 30 keys of its own.
    const port = await freePort();
    const volume = await env.createVolume('live-net');
    const project = env.uniqueName('proj');
    const name = env.uniqueName('falkordb');
    const c = await env.docker.createContainer({
      name,
      Image: FALKORDB_STANDIN,
      Labels: { ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': 'falkordb', 'com.docker.compose.oneoff': 'False' },
      Env: ['REDIS_ARGS=--appendonly yes --requirepass live-secret-7f3a'],
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
    });
    await c.start();
    const redis = new Redis({ port, password: 'live-secret-7f3a', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await connected(redis);
    for (let i = 0; i < 30; i += 1) await redis.set(`live${i}`, String(i));
    redis.disconnect();
    const startedAt = (await c.inspect()).State.StartedAt;
    const [drill, backup] = await Promise.all([
      runFalkorDrill(options(rdbArchive, { stack: { composeProject: project, falkordb: { containerName: name }, graphitiMcp: { containerName: `${name}-no-graphiti` } } }), { docker: async () => docker, log: quiet }),
      runProgram(['--json', 'backup', 'falkordb', '--mode', 'live'], {
        env: {
          ...process.env,
          AUTO_CODEX_ROOT: dir,
          FALKORDB_CONTAINER_NAME: name,
          COMPOSE_PROJECT_NAME: project,
          GRAPHITI_FALKORDB_HOST: '127.0.0.1',
          GRAPHITI_FALKORDB_PORT: String(port),
          GRAPHITI_FALKORDB_PASSWORD: 'live-secret-7f3a',
          BACKUP_DIR: join(dir, 'concurrent-backups'),
        },
      }),
    ]);
    expect(drill).toMatchObject({ ok: true, keys: 120 });
    expect(backup.code, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout).archive).toContain(join(dir, 'concurrent-backups'));
    expect((await c.inspect()).State.StartedAt).toBe(startedAt);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 180_000);

  it('a bad archive is exit 2 before anything is created', async () => {
    const path = join(dir, 'cut.tar.gz');
    writeFileSync(path, (await import('node:fs')).readFileSync(rdbArchive).subarray(0, 200));
    const run = await runProgram(['drill', 'falkordb', path], { env: { ...process.env, AUTO_CODEX_ROOT: dir } });
    expect(run.code).toBe(2);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 60_000);

  it('a timeout fails, says so, and leaves nothing', async () => {
    const result = await runFalkorDrill(options(rdbArchive, { timeoutSecs: 0.01 }), { docker: async () => docker, log: quiet });
    expect(result.ok).toBe(false);
    expect(result.problems.join(' ')).toContain('did not finish loading within 0.01s');
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 60_000);

  it('Ctrl-C while the server loads is exit 130 and leaves nothing; the live container is untouched', async () => {
    const before = await liveState();
    const ac = new AbortController();
    const log = { info: (m: string) => (m.startsWith('Loading:') ? setTimeout(() => ac.abort(), 20) : undefined), warn: () => undefined };
    await expect(runFalkorDrill(options(rdbArchive), { docker: async () => docker, log, signal: ac.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
    expect(await liveState()).toEqual(before);
  }, 60_000);

  it('what a killed drill left (container and volume) is removed by the next drill', async () => {
    const left = await createScratch(docker, FALKORDB_STANDIN, '', [], 'killed.tar.gz');
    expect((await leftovers()).volumes).toContain(left.volume);
    const warned: string[] = [];
    const result = await runFalkorDrill(options(aofArchive), { docker: async () => docker, log: { info: () => undefined, warn: (m) => warned.push(m) } });
    expect(result.ok).toBe(true);
    expect(warned.join(' ')).toContain(left.name);
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);

  it('--keep leaves the pair and says how to remove it; the next drill removes it', async () => {
    const result = await runFalkorDrill(options(aofArchive, { keep: true }), { docker: async () => docker, log: quiet });
    expect(result.kept).toBeDefined();
    expect((await leftovers()).volumes).toEqual([result.kept!.volume]);
    await runFalkorDrill(options(aofArchive), { docker: async () => docker, log: quiet });
    expect(await leftovers()).toEqual({ containers: [], volumes: [] });
  }, 120_000);
});
