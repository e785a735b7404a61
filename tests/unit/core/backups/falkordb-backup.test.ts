import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFalkorBackup, type FalkorBackupOptions } from '../../../../src/core/backups/falkordb-backup.js';
import { PrerequisiteError } from '../../../../src/core/errors.js';
import { createFalkorClient } from '../../../../src/core/falkordb/client.js';
import { FalkorAuthError } from '../../../../src/core/falkordb/falkor-errors.js';
import { composeLabels, FakeDocker } from '../../../helpers/fake-docker.js';
import { fakeWorld } from '../../../helpers/fake-falkordb.js';

const DATA = { 'dump.rdb': 'REDIS0011 fake rdb', 'appendonlydir/appendonly.aof.1.base.rdb': 'REDIS', 'appendonlydir/appendonly.aof.manifest': 'file x' };
const IMAGE = { id: 'sha256:falkordb-test', repoTags: ['falkordb/falkordb:v4.2.1'], repoDigests: ['falkordb/falkordb@sha256:abc'] };

async function world(opts: { appendonly?: boolean; graphitiRunning?: boolean; falkorRunning?: boolean; mountAt?: string; files?: Record<string, string>; volumeExists?: boolean } = {}) {
  const docker = new FakeDocker({
    containers: [
      {
        name: 'auto-codex-falkordb',
        id: 'falkor-id',
        labels: composeLabels('falkordb'),
        running: opts.falkorRunning ?? true,
        imageId: IMAGE.id,
        image: 'falkordb/falkordb:v4.2.1',
        mounts: [{ type: 'volume', name: 'auto-codex_falkordb_data', source: '', destination: opts.mountAt ?? '/var/lib/falkordb/data', readOnly: false }],
      },
      { name: 'auto-codex-graphiti-mcp', id: 'graphiti-id', labels: composeLabels('graphiti-mcp'), running: opts.graphitiRunning ?? true },
    ],
    volumes: opts.volumeExists === false ? [] : [{ name: 'auto-codex_falkordb_data', files: opts.files ?? DATA }],
    images: [IMAGE],
  });
  const { redis, clock } = fakeWorld();
  redis.config.set('appendonly', opts.appendonly ? 'yes' : 'no');
  redis.config.set('dir', '/var/lib/falkordb/data');
  const out = join(mkdtempSync(join(tmpdir(), 'aco-fb-')), 'backups');
  const logs: string[] = [];
  const deps = {
    log: { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`WARN ${m}`) },
    now: () => new Date('2026-03-01T02:00:00Z'),
    hostname: 'testhost',
    toolVersion: '0.1.0',
    lockDir: join(out, '..', 'locks'),
    docker: async () => docker,
    connect: async () => createFalkorClient(redis, { clock }),
  };
  const options = (over: Partial<FalkorBackupOptions> = {}): FalkorBackupOptions => ({
    mode: 'save',
    outputDir: out,
    policy: { keepMin: 1 },
    waitSeconds: 0,
    saveTimeoutSeconds: 30,
    stopGraceSeconds: 5,
    server: { host: 'localhost', port: 6380, password: 'pw' },
    project: 'auto-codex',
    falkordbContainerName: 'auto-codex-falkordb',
    graphitiContainerName: 'auto-codex-graphiti-mcp',
    configuredVolume: 'auto-codex_falkordb_data',
    extraHelperImages: [],
    ...over,
  });
  return { docker, redis, deps, options, out, logs };
}

const files = (dir: string) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

describe('runFalkorBackup, save mode', () => {
  it('with AOF on: suspends rewrites, BGSAVEs, archives, and puts the setting back', async () => {
    const w = await world({ appendonly: true });
    const result = await runFalkorBackup(w.options(), w.deps);
    expect(result).toMatchObject({ kind: 'falkordb', mode: 'save', archive: join(w.out, 'falkordb_data_20260301_020000.tar.gz'), pruned: [] });
    const sets = w.redis.calls.filter((c) => c.startsWith('CONFIG SET') || c.startsWith('BGSAVE'));
    expect(sets).toEqual(['CONFIG SET auto-aof-rewrite-percentage 0', 'BGSAVE SCHEDULE', 'CONFIG SET auto-aof-rewrite-percentage 100']);
    expect(w.redis.config.get('auto-aof-rewrite-percentage')).toBe('100');
    const manifest = JSON.parse(readFileSync(`${result.archive}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({
      kind: 'falkordb',
      mode: 'save',
      host: 'testhost',
      source: { volume: 'auto-codex_falkordb_data', from: 'mount', mountedAt: '/var/lib/falkordb/data', container: { id: 'falkor-id', name: 'auto-codex-falkordb', imageId: IMAGE.id, imageDigests: IMAGE.repoDigests } },
      server: { version: '7.2.4', appendonly: true, keys: 42, dataDir: '/var/lib/falkordb/data', lastsave: w.redis.lastsave, modules: [] },
      archive: { sha256: result.sha256, entries: 5 },
    });
    expect(manifest.server.lastsave).toBeGreaterThan(1_699_999_000);
    expect(manifest.archive.files.map((f: { path: string }) => f.path)).toContain('./dump.rdb');
    expect(w.docker.containers.size).toBe(2); // the helper is gone
    expect(w.docker.callsTo('stopContainer')).toEqual([]);
  });

  it('a helper the engine will not remove: the verified backup stands, with a warning naming it', async () => {
    const w = await world({ appendonly: true });
    w.docker.failNext('removeContainer', new Error('device or resource busy'));
    const result = await runFalkorBackup(w.options(), w.deps);
    expect(files(w.out)).toEqual(['falkordb_data_20260301_020000.tar.gz', 'falkordb_data_20260301_020000.tar.gz.manifest.json', 'falkordb_data_20260301_020000.tar.gz.sha256']);
    expect(result.warnings).toContainEqual('The helper container that read the volume could not be removed (device or resource busy); the next run removes it.');
    expect(w.logs).toContainEqual(expect.stringMatching(/^WARN The helper container that read the volume could not be removed/));
    expect(w.redis.config.get('auto-aof-rewrite-percentage')).toBe('100');
    expect(w.docker.containers.size).toBe(3); // the helper is still there, for the next run to remove
  });

  it('a failed save aborts with exit 1, writes nothing, and still restores the AOF setting', async () => {
    const w = await world({ appendonly: true });
    w.redis.failNextSave = true;
    await expect(runFalkorBackup(w.options(), w.deps)).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/background save failed/) });
    expect(w.redis.config.get('auto-aof-rewrite-percentage')).toBe('100');
    expect(files(w.out)).toEqual([]);
    expect(w.docker.callsTo('getArchive')).toEqual([]);
  });

  it('Ctrl-C while the archive is written: exit 130, no file, AOF setting back, helper removed', async () => {
    const w = await world({ appendonly: true });
    const controller = new AbortController();
    const deps = { ...w.deps, signal: controller.signal, progress: { start: () => {}, update: () => controller.abort(), stop: () => {} } };
    await expect(runFalkorBackup(w.options(), deps)).rejects.toMatchObject({ exitCode: 130 });
    expect(w.redis.config.get('auto-aof-rewrite-percentage')).toBe('100');
    expect(files(w.out)).toEqual([]);
    expect(w.docker.containers.size).toBe(2);
  });

  it('with AOF off: no CONFIG SET at all', async () => {
    const w = await world({ appendonly: false });
    await runFalkorBackup(w.options(), w.deps);
    expect(w.redis.calls.filter((c) => c.startsWith('CONFIG SET'))).toEqual([]);
  });
});

describe('runFalkorBackup, stop mode', () => {
  it('stops only what runs and restarts exactly that', async () => {
    const w = await world({ graphitiRunning: false });
    const result = await runFalkorBackup(w.options({ mode: 'stop' }), w.deps);
    expect(result.mode).toBe('stop');
    expect(w.docker.callsTo('stopContainer').map((c) => c[0])).toEqual(['falkor-id']);
    expect(w.docker.callsTo('startContainer').map((c) => c[0])).toEqual(['falkor-id']);
    expect(w.docker.container('falkor-id').running).toBe(true);
    expect(w.docker.container('graphiti-id').running).toBe(false);
  });

  it('restarts as soon as the volume is read, before the archive is read back and published', async () => {
    const w = await world();
    let seenAtRestart: string[] | undefined;
    const start = w.docker.startContainer.bind(w.docker);
    w.docker.startContainer = async (id, o) => {
      seenAtRestart ??= files(w.out);
      return start(id, o);
    };
    const result = await runFalkorBackup(w.options({ mode: 'stop' }), w.deps);
    expect(seenAtRestart).toEqual([expect.stringMatching(/^\.falkordb_data_20260301_020000\.tar\.gz\.tmp-/)]);
    expect(files(w.out)).toContain(result.archive.split('/').pop());
  });

  it('a restart that fails after a good backup says the archive is there and how to start by hand', async () => {
    const w = await world({ graphitiRunning: false });
    w.docker.failNext('startContainer', new Error('port is already allocated'));
    const run = runFalkorBackup(w.options({ mode: 'stop' }), w.deps);
    await expect(run).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/^The backup .*falkordb_data_20260301_020000\.tar\.gz was written and verified, but putting FalkorDB back failed: Could not start 1 of 1/), hint: 'Start them by hand: docker start falkor-id' });
    await run.catch((err: Error) => expect(err.message).not.toMatch(/Cleanup also failed/));
    expect(files(w.out)).toContain('falkordb_data_20260301_020000.tar.gz');
  });

  it('stops Graphiti first and restarts both, also when the archive is refused', async () => {
    const w = await world({ files: { data: 'nothing useful' } });
    await expect(runFalkorBackup(w.options({ mode: 'stop' }), w.deps)).rejects.toMatchObject({ exitCode: 1, hint: expect.stringMatching(/\/var\/lib\/falkordb\/data/) });
    expect(w.docker.callsTo('stopContainer').map((c) => c[0])).toEqual(['graphiti-id', 'falkor-id']);
    expect(w.docker.callsTo('startContainer').map((c) => c[0])).toEqual(['falkor-id', 'graphiti-id']);
    expect(files(w.out)).toEqual([]);
  });
});

describe('runFalkorBackup, failures before anything is written', () => {
  it('missing volume: exit 10 and the volume is not created', async () => {
    const w = await world({ volumeExists: false });
    await expect(runFalkorBackup(w.options(), w.deps)).rejects.toBeInstanceOf(PrerequisiteError);
    expect(w.docker.volumes.size).toBe(0);
    expect(w.docker.callsTo('createContainer')).toEqual([]);
    expect(files(w.out)).toEqual([]);
  });

  it('wrong password: exit 10, nothing written, nothing stopped', async () => {
    const w = await world();
    const deps = { ...w.deps, connect: async () => Promise.reject(new FalkorAuthError('FalkorDB at localhost:6380 rejected the password', { hint: 'check GRAPHITI_FALKORDB_PASSWORD' } as never)) };
    await expect(runFalkorBackup(w.options({ mode: 'stop' }), deps)).rejects.toMatchObject({ exitCode: 10 });
    expect(w.docker.callsTo('stopContainer')).toEqual([]);
    expect(files(w.out)).toEqual([]);
  });

  it('engine unreachable: exit 10', async () => {
    const w = await world();
    w.docker.failNext('ping', Object.assign(new Error('connect ENOENT /nonexistent'), { code: 'ENOENT' }));
    await expect(runFalkorBackup(w.options(), w.deps)).rejects.toMatchObject({ exitCode: 10, message: expect.stringMatching(/Docker engine is not reachable/) });
  });

  it('volume mounted at /data holding no data: refused with the mount-trap hint and a warning first', async () => {
    const w = await world({ mountAt: '/data', files: { data: 'x' } });
    // An engine that takes its time to remove the helper: the refusal still comes only once it is gone.
    const remove = w.docker.removeContainer.bind(w.docker);
    w.docker.removeContainer = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return remove(...args);
    };
    const containers = w.docker.containers.size;
    await expect(runFalkorBackup(w.options(), w.deps)).rejects.toMatchObject({ message: expect.stringMatching(/neither dump.rdb nor appendonlydir/), hint: expect.stringMatching(/mounted at \/data receives nothing.*recreating the container .* loses it\. Run `autocodex-ops harden falkordb`/) });
    expect(w.logs).toContainEqual(expect.stringMatching(/^WARN FalkorDB writes to \/var\/lib\/falkordb\/data, but the data storage is mounted at \/data/));
    expect(files(w.out)).toEqual([]);
    expect(w.docker.containers.size).toBe(containers); // the helper is gone
  });
});

describe('runFalkorBackup, live mode and a stopped server', () => {
  it('live mode warns that the archive may be inconsistent', async () => {
    const w = await world();
    const result = await runFalkorBackup(w.options({ mode: 'live' }), w.deps);
    expect(result.warnings).toEqual([expect.stringMatching(/^Live mode: .* may be inconsistent/)]);
    expect(w.redis.calls.some((c) => c.startsWith('BGSAVE'))).toBe(false);
  });
  it('save mode with FalkorDB stopped archives the volume as left, without connecting', async () => {
    const w = await world({ falkorRunning: false });
    const deps = { ...w.deps, connect: async () => Promise.reject(new Error('must not connect')) };
    const result = await runFalkorBackup(w.options(), deps);
    expect(result.warnings).toEqual([expect.stringMatching(/is not running: the volume is archived as it was left/)]);
  });
});
