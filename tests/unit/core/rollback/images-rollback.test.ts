import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../../../src/core/docker/index.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { InterruptedError, OpsError, PrerequisiteError } from '../../../../src/core/errors.js';
import type { ComposeRunner } from '../../../../src/core/rollback/compose-runner.js';
import type { EnvStore } from '../../../../src/core/rollback/env-store.js';
import type { HistoryEntry, ImageHistoryStore } from '../../../../src/core/stack/image-history.js';
import { missingImagesError } from '../../../../src/core/rollback/images-plan.js';
import { runImagesRollback, type ImagesRollbackDeps } from '../../../../src/core/rollback/run-images-rollback.js';
import { composeLabels, FakeDocker } from '../../../helpers/fake-docker.js';

// The whole image rollback against in-memory stand-ins: FakeDocker for the engine, a compose fake
// that "recreates" the containers on the tags it is given (each tag with the health it will
// reach), an in-memory .env and history. Every side effect is recorded in `events`, in order.

const ENV_FILE = '# pinned tags\nFALKORDB_IMAGE_TAG=v4.2.1 # current\nGRAPHITI_MCP_IMAGE_TAG="0.4.0"\nOTHER=keep\n';
const entry = (f: string, g: string, source: HistoryEntry['source'] = 'rollback'): HistoryEntry => ({ falkordbTag: f, graphitiTag: g, recordedAt: '2025-01-01T00:00:00.000Z', source });

interface World {
  deps: ImagesRollbackDeps;
  docker: FakeDocker;
  events: string[];
  env: { bytes: Buffer | undefined };
  history: HistoryEntry[];
  /** Health a container reaches on a given tag (default healthy). */
  healthOf: Record<string, HealthStatus>;
}

const fakeClock = () => new FakeClock();

function world(options: { images?: string[]; history?: HistoryEntry[]; env?: string; configured?: { falkordb?: string; graphiti?: string; fromEnv?: ('falkordb' | 'graphiti')[] }; running?: [string, string] | null; over?: Partial<ImagesRollbackDeps> } = {}): World {
  const [ft, gt] = options.running === undefined ? ['v4.2.1', '0.4.0'] : options.running ?? ['', ''];
  const docker = new FakeDocker({
    containers: options.running === null ? [] : [
      { name: 'auto-codex-falkordb', id: 'falkor', image: `falkordb/falkordb:${ft}`, imageId: `sha256:f-${ft}`, labels: composeLabels('falkordb'), health: 'healthy' },
      { name: 'auto-codex-graphiti-mcp', id: 'mcp', image: `falkordb/graphiti-knowledge-graph-mcp:${gt}`, imageId: `sha256:g-${gt}`, labels: composeLabels('graphiti-mcp'), health: 'healthy' },
    ],
    images: options.images ?? ['falkordb/falkordb:v4.2.1', 'falkordb/falkordb:v4.1.0', 'falkordb/graphiti-knowledge-graph-mcp:0.4.0', 'falkordb/graphiti-knowledge-graph-mcp:0.3.9'],
  });
  const events: string[] = [];
  const env: { bytes: Buffer | undefined } = { bytes: options.env === undefined ? Buffer.from(ENV_FILE) : Buffer.from(options.env) };
  const history = [...(options.history ?? [])];
  const healthOf: Record<string, HealthStatus> = {};
  const recreate = (name: string, repo: string, tag: string, prefix: string) => {
    const c = [...docker.containers.values()].find((x) => x.info.name === name)!;
    const health = healthOf[tag] ?? 'healthy';
    c.info = { ...c.info, image: `${repo}:${tag}`, imageId: `sha256:${prefix}-${tag}`, running: true, state: 'running', health };
    c.healthSequence = [health];
    c.logs = health === 'healthy' ? '' : `boot ${tag}\nCan't handle RDB format version 12`;
  };
  const compose: ComposeRunner = {
    describe: 'docker-compose 1.29.2, project auto-codex',
    pull: async (services, e) => void events.push(`pull ${services.join(',')} ${e.FALKORDB_IMAGE_TAG}/${e.GRAPHITI_MCP_IMAGE_TAG}`),
    up: async (services, e) => {
      events.push(`up ${services.join(',')} ${e.FALKORDB_IMAGE_TAG}/${e.GRAPHITI_MCP_IMAGE_TAG}`);
      recreate('auto-codex-falkordb', 'falkordb/falkordb', e.FALKORDB_IMAGE_TAG!, 'f');
      recreate('auto-codex-graphiti-mcp', 'falkordb/graphiti-knowledge-graph-mcp', e.GRAPHITI_MCP_IMAGE_TAG!, 'g');
    },
  };
  const envStore: EnvStore = {
    path: '/srv/auto-codex/.env',
    read: async () => env.bytes,
    replace: async (bytes) => {
      const previous = env.bytes;
      env.bytes = bytes;
      events.push('env written');
      return async () => {
        env.bytes = previous;
        events.push('env restored');
      };
    },
  };
  const store: ImageHistoryStore = {
    path: '/srv/auto-codex/.autocodex-ops/image-history.json',
    read: async () => ({ entries: [...history] }),
    write: async (entries) => {
      history.splice(0, history.length, ...entries);
      events.push(`history ${entries.at(-1)?.source} ${entries.at(-1)?.falkordbTag}/${entries.at(-1)?.graphitiTag}`);
    },
  };
  const deps: ImagesRollbackDeps = {
    docker,
    compose,
    env: envStore,
    history: store,
    locator: { composeProject: 'auto-codex', falkordb: { containerName: 'auto-codex-falkordb' }, graphitiMcp: { containerName: 'auto-codex-graphiti-mcp' } },
    configured: { falkordb: 'v4.2.1', graphiti: '0.4.0', fromEnv: [], ...options.configured },
    backupFalkordb: async () => {
      events.push('backup');
      return { archive: '/srv/auto-codex/backups/falkordb_data_20250601_120000.tar.gz' };
    },
    lock: async () => {
      events.push('lock images');
      return { release: async () => void events.push('unlock images') };
    },
    lockFalkordb: async () => {
      events.push('lock falkordb');
      return { release: async () => void events.push('unlock falkordb') };
    },
    confirm: async () => true,
    healthTimeoutMs: 30_000,
    clock: fakeClock(),
    now: () => new Date('2025-06-01T12:00:00Z'),
    log: { info: () => undefined, warn: (m) => void events.push(`warn ${m}`), error: (m) => void events.push(`error ${m}`) },
    ...options.over,
  };
  return { deps, docker, events, env, history, healthOf };
}

const go = (w: World, options: { falkordbTag?: string; graphitiTag?: string; noPull?: boolean; noBackup?: boolean; dryRun?: boolean } = {}) =>
  runImagesRollback({ noPull: false, noBackup: false, dryRun: false, ...options }, w.deps);

const notWarnings = (events: string[]) => events.filter((e) => !e.startsWith('warn '));

describe('rollback images: success', () => {
  it('backs up, rewrites only the two tags, brings the pair up under the locks and records it', async () => {
    const w = world();
    const result = await go(w, { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9' });
    expect(notWarnings(w.events)).toEqual([
      'lock images',
      'history observed v4.2.1/0.4.0',
      'backup',
      'lock falkordb',
      'env written',
      'up falkordb,graphiti-mcp v4.1.0/0.3.9',
      'history rollback v4.1.0/0.3.9',
      'unlock falkordb',
      'unlock images',
    ]);
    expect(w.env.bytes!.toString()).toBe('# pinned tags\nFALKORDB_IMAGE_TAG=v4.1.0 # current\nGRAPHITI_MCP_IMAGE_TAG="0.3.9"\nOTHER=keep\n');
    expect(result).toMatchObject({
      kind: 'images', dryRun: false, from: { falkordb: 'v4.2.1', graphiti: '0.4.0' }, to: { falkordb: 'v4.1.0', graphiti: '0.3.9' },
      backup: '/srv/auto-codex/backups/falkordb_data_20250601_120000.tar.gz', directions: { falkordb: 'down', graphiti: 'down' },
      health: { falkordb: { container: 'auto-codex-falkordb', status: 'healthy', imageId: 'sha256:f-v4.1.0' } },
    });
    expect(w.history.at(-1)).toMatchObject({ falkordbTag: 'v4.1.0', graphitiTag: '0.3.9', falkordbImageId: 'sha256:f-v4.1.0', graphitiImageId: 'sha256:g-0.3.9', source: 'rollback' });
  });

  it('warns when going down a FalkorDB version (older servers may not read newer data)', async () => {
    const w = world();
    await go(w, { falkordbTag: 'v4.1.0' });
    expect(w.events.find((e) => e.startsWith('warn Going down from FalkorDB v4.2.1 to v4.1.0'))).toContain('A FalkorDB backup is taken first');
  });

  it('without tags goes to the previous recorded pair, and run again rolls forward', async () => {
    const w = world({ history: [entry('v4.1.0', '0.3.9'), entry('v4.2.1', '0.4.0')] });
    const back = await go(w);
    expect(back).toMatchObject({ fromHistory: true, to: { falkordb: 'v4.1.0', graphiti: '0.3.9' } });
    // The .env now names the older pair; the next plain run returns to the newer one.
    w.deps.configured = { falkordb: 'v4.1.0', graphiti: '0.3.9', fromEnv: [] };
    const forward = await go(w);
    expect(forward).toMatchObject({ to: { falkordb: 'v4.2.1', graphiti: '0.4.0' }, directions: { falkordb: 'up' } });
    expect(w.history.map((e) => `${e.falkordbTag}/${e.graphitiTag}`)).toEqual(['v4.1.0/0.3.9', 'v4.2.1/0.4.0', 'v4.1.0/0.3.9', 'v4.2.1/0.4.0']);
  });

  it('pulls only the images that are missing, with the new tags, before anything else', async () => {
    const w = world({ images: ['falkordb/falkordb:v4.2.1', 'falkordb/graphiti-knowledge-graph-mcp:0.4.0', 'falkordb/graphiti-knowledge-graph-mcp:0.3.9'] });
    const result = await go(w, { falkordbTag: 'v4.1.0', noBackup: true });
    expect(result.pull).toEqual(['falkordb']);
    expect(notWarnings(w.events).slice(0, 3)).toEqual(['lock images', 'history observed v4.2.1/0.4.0', 'pull falkordb v4.1.0/0.4.0']);
    expect(w.events).not.toContain('backup');
  });

  it('appends the tags to a .env that lacks them (tags from the environment), and says the environment wins', async () => {
    const w = world({ env: 'OTHER=1', configured: { fromEnv: ['falkordb', 'graphiti'] } });
    const result = await go(w, { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9', noBackup: true });
    expect(result.envAppended).toEqual(['FALKORDB_IMAGE_TAG', 'GRAPHITI_MCP_IMAGE_TAG']);
    expect(w.env.bytes!.toString()).toBe('OTHER=1\nFALKORDB_IMAGE_TAG=v4.1.0\nGRAPHITI_MCP_IMAGE_TAG=0.3.9\n');
    expect(w.events.filter((e) => e.includes('is set in the environment'))).toHaveLength(2);
  });
});

describe('rollback images: automatic return', () => {
  it('returns to the previous pair when the new one turns unhealthy, and exits 1 reporting both', async () => {
    const w = world();
    w.healthOf['v4.1.0'] = 'unhealthy';
    const err = (await go(w, { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9' }).catch((e: unknown) => e)) as OpsError;
    expect(err).toBeInstanceOf(OpsError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/^Rolling to falkordb v4.1.0, graphiti-mcp 0.3.9 failed: Container auto-codex-falkordb is unhealthy\./);
    expect(err.message).toContain('Returned to falkordb v4.2.1, graphiti-mcp 0.4.0');
    expect(err.message).toContain('falkordb_data_20250601_120000.tar.gz');
    expect(notWarnings(w.events).filter((e) => !e.startsWith('error'))).toEqual([
      'lock images', 'history observed v4.2.1/0.4.0', 'backup', 'lock falkordb', 'env written',
      'up falkordb,graphiti-mcp v4.1.0/0.3.9', 'env restored', 'up falkordb,graphiti-mcp v4.2.1/0.4.0', 'unlock falkordb', 'unlock images',
    ]);
    expect(w.env.bytes!.toString()).toBe(ENV_FILE);
    expect(w.events.some((e) => e.includes("Can't handle RDB format version 12"))).toBe(true);
    expect(w.history.at(-1)).toMatchObject({ falkordbTag: 'v4.2.1', source: 'observed' });
  });

  it('a new pair that comes up healthy but holds no keys did not load its data: back to the previous pair, exit 1', async () => {
    // The key count as the server reports it per FalkorDB tag: 50 on v4.2.1; on v4.1.0 none (an RDB it cannot read), then 25.
    const counting = (keysOn: Record<string, number>) => {
      const w = world();
      const state = { tag: 'v4.2.1' };
      const up = w.deps.compose.up;
      w.deps.compose = { ...w.deps.compose, up: async (services, e, o) => ((state.tag = e.FALKORDB_IMAGE_TAG!), up(services, e, o)) };
      w.deps.falkor = {
        server: { host: '127.0.0.1', port: 6379 },
        connect: async () => ({ where: 'x', ping: async () => ({ reply: 'PONG', rttMs: 1 }), dbsize: async () => keysOn[state.tag]!, graphList: async () => undefined, moduleList: async () => [], close: async () => undefined }),
      };
      return { w, state };
    };
    const empty = counting({ 'v4.2.1': 50, 'v4.1.0': 0 });
    const err = (await go(empty.w, { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9' }).catch((e: unknown) => e)) as OpsError;
    expect(err).toBeInstanceOf(OpsError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('FalkorDB did not load its data: the server holds 0 keys after start-up, but FalkorDB held 50 keys before the image change');
    expect(err.message).toContain('Returned to falkordb v4.2.1, graphiti-mcp 0.4.0');
    expect(empty.state.tag).toBe('v4.2.1');
    expect(empty.w.env.bytes!.toString()).toBe(ENV_FILE);
    // Half the keys or more passes: writes come and go while the pair is swapped.
    const half = counting({ 'v4.2.1': 50, 'v4.1.0': 25 });
    await expect(go(half.w, { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9' })).resolves.toMatchObject({ to: { falkordb: 'v4.1.0' } });
  });

  it('says so when the previous pair does not come back either', async () => {
    const w = world();
    w.healthOf['v4.1.0'] = 'unhealthy';
    w.healthOf['v4.2.1'] = 'unhealthy';
    const err = (await go(w, { falkordbTag: 'v4.1.0', noBackup: true }).catch((e: unknown) => e)) as OpsError;
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('names falkordb v4.2.1, graphiti-mcp 0.4.0 again, but bringing it back failed too');
    expect(err.hint).toContain('restore falkordb');
  });

  it('says so, with the tags to set by hand, when the .env cannot be put back', async () => {
    const w = world();
    w.healthOf['v4.1.0'] = 'unhealthy';
    const replace = w.deps.env.replace;
    w.deps.env = { ...w.deps.env, replace: async (bytes) => {
      await replace(bytes);
      return async () => {
        throw new Error('EROFS: read-only file system');
      };
    } };
    const err = (await go(w, { falkordbTag: 'v4.1.0', noBackup: true }).catch((e: unknown) => e)) as OpsError;
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('Putting the previous tags back in /srv/auto-codex/.env also failed: EROFS');
    expect(err.hint).toContain('FALKORDB_IMAGE_TAG=v4.2.1 and GRAPHITI_MCP_IMAGE_TAG=0.4.0');
    expect(w.events.filter((e) => e.startsWith('up '))).toHaveLength(1);
  });

  it('treats a failing compose up like an unhealthy pair, naming the container compose only gave an id for', async () => {
    const w = world();
    w.healthOf['v4.1.0'] = 'unhealthy';
    let calls = 0;
    const up = w.deps.compose.up;
    // docker-compose 1.29 recreates FalkorDB, waits on its health for graphiti-mcp, then fails.
    w.deps.compose = { ...w.deps.compose, up: async (s, e, o) => {
      calls += 1;
      await up(s, e, o);
      if (calls === 1) throw new OpsError('docker-compose -p auto-codex up -d exited with 1: ERROR: for graphiti-mcp  Container "abc" is unhealthy.');
    } };
    const err = (await go(w, { falkordbTag: 'v4.1.0', noBackup: true }).catch((e: unknown) => e)) as OpsError;
    expect(err.message).toContain('Container "abc" is unhealthy (auto-codex-falkordb (falkordb/falkordb:v4.1.0) unhealthy)');
    expect(err.message).toContain('Returned to falkordb v4.2.1');
    expect(w.events.some((e) => e.startsWith('warn Last log lines of auto-codex-falkordb') && e.includes('RDB format'))).toBe(true);
    expect(w.env.bytes!.toString()).toBe(ENV_FILE);
  });

  it('Ctrl-C while waiting for health still returns to the previous pair, then exits 130', async () => {
    const controller = new AbortController();
    const w = world({ over: { signal: controller.signal } });
    w.healthOf['v4.1.0'] = 'starting';
    const clock = w.deps.clock!;
    w.deps.clock = { now: () => clock.now(), sleep: async (ms, signal) => {
      controller.abort();
      return clock.sleep(ms, signal);
    } };
    const err = await go(w, { falkordbTag: 'v4.1.0', noBackup: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as OpsError).message).toContain('Returned to falkordb v4.2.1');
    expect(w.env.bytes!.toString()).toBe(ENV_FILE);
  });
});

describe('rollback images: refusals change nothing', () => {
  const unchanged = (w: World) => {
    expect(w.env.bytes!.toString()).toBe(ENV_FILE);
    expect(w.events.filter((e) => /^(up|backup|env|pull)/.test(e))).toEqual([]);
  };

  it('no earlier pair recorded: exit 2 with a hint to name the tags', async () => {
    const w = world();
    await expect(go(w)).rejects.toMatchObject({ exitCode: 2, hint: expect.stringContaining('--falkordb-tag') });
    unchanged(w);
  });

  it('already on the pair: exit 2', async () => {
    const w = world();
    await expect(go(w, { falkordbTag: 'v4.2.1' })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('Nothing to roll back') });
    unchanged(w);
  });

  it('an invalid or latest tag in the history: exit 2', async () => {
    const w = world({ history: [entry('latest', '0.3.9')] });
    await expect(go(w)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("'latest' is not a pinned tag") });
    unchanged(w);
  });

  it('an image missing with --no-pull: exit 10', async () => {
    const w = world();
    await expect(go(w, { falkordbTag: 'v9.9.9', noPull: true })).rejects.toBeInstanceOf(PrerequisiteError);
    unchanged(w);
  });

  it('a pull that fails: exit 10, no backup, .env untouched', async () => {
    const w = world();
    w.deps.compose = { ...w.deps.compose, pull: async () => {
      throw new PrerequisiteError('Could not pull the images');
    } };
    await expect(go(w, { falkordbTag: 'v9.9.9' })).rejects.toMatchObject({ exitCode: 10 });
    unchanged(w);
  });

  it('a backup that fails stops the rollback before the .env changes', async () => {
    const w = world({ over: { backupFalkordb: async () => {
      throw new OpsError('FalkorDB refused BGSAVE');
    } } });
    await expect(go(w, { falkordbTag: 'v4.1.0' })).rejects.toThrow('BGSAVE');
    unchanged(w);
    expect(w.events).toContain('unlock images');
  });

  it('no tag configured and no container to read it from: exit 2', async () => {
    const w = world({ configured: { falkordb: undefined }, running: null });
    await expect(go(w, { falkordbTag: 'v4.1.0' })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('FALKORDB_IMAGE_TAG is not set') });
  });

  it('a declined confirmation: exit 1, nothing changed', async () => {
    const w = world({ over: { confirm: async () => false } });
    await expect(go(w, { falkordbTag: 'v4.1.0' })).rejects.toMatchObject({ exitCode: 1, message: 'Aborted; nothing changed.' });
    unchanged(w);
  });

  it('--dry-run plans without lock, history write, backup or compose', async () => {
    const w = world();
    const result = await go(w, { falkordbTag: 'v4.1.0', graphitiTag: '0.3.9', dryRun: true });
    expect(result).toMatchObject({ dryRun: true, backup: true, envChanges: [{ key: 'FALKORDB_IMAGE_TAG', line: 2, from: 'v4.2.1', to: 'v4.1.0' }, { key: 'GRAPHITI_MCP_IMAGE_TAG', line: 3, from: '0.4.0', to: '0.3.9' }] });
    expect(result.steps.join('\n')).toContain('Back up FalkorDB');
    expect(w.events).toEqual([]);
    expect(w.history).toEqual([]);
  });

  it('--dry-run --no-pull with a missing image: the whole plan, the image marked MISSING, and the exit-10 error to end with', async () => {
    const w = world();
    const result = await go(w, { falkordbTag: 'v9.9.9', noPull: true, dryRun: true });
    expect(result.missing).toEqual(['falkordb']);
    expect(result.steps[0]).toBe('MISSING: falkordb/falkordb:v9.9.9 is not on this machine and --no-pull was given; the rollback stops here (exit 10).');
    expect(result.steps.join('\n')).toContain('Back up FalkorDB');
    expect(missingImagesError(result)).toMatchObject({ exitCode: 10, message: expect.stringContaining('falkordb/falkordb:v9.9.9 is not on this machine') });
    expect(w.events).toEqual([]);
    unchanged(w);
  });
});
