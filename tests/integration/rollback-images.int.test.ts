import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStandinImages, FALKORDB_STANDIN, GRAPHITI_STANDIN } from '../helpers/docker.js';
import { runProgram } from '../helpers/run-program.js';
import { freePort } from '../helpers/redis-server.js';

// `rollback images` against the real engine and Debian's docker-compose 1.29 (or the v2 plugin),
// on the project's hardened compose file copied into a temporary root with an override that polls
// health every second. Two "versions" of each image are local tags of the stand-ins (v2 a
// distinct image), and a "bad" FalkorDB tag whose container runs but never answers PING. The
// tests run in order on one stack: upgrade, roll back, roll forward, a failing rollback that must
// return by itself. Verification goes around the code under test: docker inspect, redis-cli, bytes.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(REPO, 'tests/fixtures/rollback');
const HEALTH_WAIT_MS = 90_000;

const run = async (file: string, args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}) => {
  const r = await execa(file, args, { ...options, reject: false, timeout: 180_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
};

async function composeCommand(): Promise<string[]> {
  if ((await run('docker', ['compose', 'version'])).exitCode === 0) return ['docker', 'compose'];
  if ((await run('docker-compose', ['version'])).exitCode === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` answers; run scripts/test-env.sh');
}

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('rollback images on a real compose stack', () => {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const project = `aco-test-rb-${id}`;
  const tag = (v: string) => `aco-test-${id}-${v}`;
  const [V1, V2, BAD] = [tag('v1'), tag('v2'), tag('v3-bad')];
  const names = { falkordb: `${project}-falkordb`, graphiti: `${project}-graphiti-mcp`, volume: `${project}_falkordb_data` };
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const images: string[] = [];
  let compose: string[] = [];
  let root = '';

  const cli = (args: string[]) => runProgram(['--root', root, ...args], { env: {} });
  const envFile = () => readFileSync(join(root, '.env'));
  const envText = (f: string, g: string) =>
    [
      `# rollback integration test stack ${id}`,
      `COMPOSE_PROJECT_NAME=${project}`,
      `FALKORDB_IMAGE_TAG=${f}   # pinned`,
      `GRAPHITI_MCP_IMAGE_TAG="${g}"`,
      `FALKORDB_CONTAINER_NAME=${names.falkordb}`,
      `GRAPHITI_MCP_CONTAINER_NAME=${names.graphiti}`,
      `FALKORDB_VOLUME=${names.volume}`,
      `GRAPHITI_MCP_PLATFORM=linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      `REDIS_ARGS=--appendonly yes --requirepass ${password}`,
      `FALKORDB_PASSWORD=${password}`,
    ].join('\n'); // no final newline: it must stay that way

  const composeRun = (args: string[]) => {
    const [file, ...pre] = compose;
    return run(file!, [...pre, '-p', project, ...args], { cwd: root });
  };

  async function inspect(name: string) {
    const c = await docker.getContainer(name).inspect();
    return { image: c.Config.Image, imageId: c.Image, health: c.State.Health?.Status ?? c.State.Status, id: c.Id };
  }

  async function waitHealthy(): Promise<void> {
    const deadline = Date.now() + HEALTH_WAIT_MS;
    for (;;) {
      const states = await Promise.all([names.falkordb, names.graphiti].map((n) => inspect(n).then((c) => c.health, () => 'missing')));
      if (states.every((s) => s === 'healthy')) return;
      if (Date.now() > deadline) throw new Error(`stack not healthy: ${states.join(', ')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const redis = (args: string[]) => run('docker', ['exec', '-e', 'REDISCLI_AUTH', names.falkordb, 'redis-cli', ...args], { env: { REDISCLI_AUTH: password } });
  const tags = async () => [(await inspect(names.falkordb)).image, (await inspect(names.graphiti)).image];

  // docker-compose 1.29 recreating a container leaves the replaced one's anonymous /data volume
  // behind, and `down -v` only sees the containers that still exist: remove what this file left.
  const danglingAnonymous = async () =>
    new Set(((await docker.listVolumes({ filters: { dangling: ['true'] } })).Volumes ?? []).map((v) => v.Name).filter((n) => /^[0-9a-f]{64}$/.test(n)));
  let danglingBefore = new Set<string>();

  beforeAll(async () => {
    danglingBefore = await danglingAnonymous();
    await ensureStandinImages(docker);
    compose = await composeCommand();
    const build = async (ref: string, dockerfile: string) => {
      const r = await run('docker', ['build', '-q', '-t', ref, '-'], { input: dockerfile, env: { DOCKER_BUILDKIT: '0' } });
      if (r.exitCode !== 0) throw new Error(`docker build ${ref} failed: ${r.stderr}`);
      images.push(ref);
    };
    const retag = async (from: string, to: string) => {
      const r = await run('docker', ['tag', from, to]);
      if (r.exitCode !== 0) throw new Error(`docker tag ${to} failed: ${r.stderr}`);
      images.push(to);
    };
    await retag(FALKORDB_STANDIN, `falkordb/falkordb:${V1}`);
    await build(`falkordb/falkordb:${V2}`, `FROM ${FALKORDB_STANDIN}\nLABEL org.opencontainers.image.version=2 autocodex-ops.test=${id}\n`);
    await build(`falkordb/falkordb:${BAD}`, readFileSync(join(FIXTURES, 'bad-falkordb.Dockerfile'), 'utf8').replace(/^ARG BASE=.*$/m, `ARG BASE=${FALKORDB_STANDIN}`));
    await retag(GRAPHITI_STANDIN, `falkordb/graphiti-knowledge-graph-mcp:${V1}`);
    await build(`falkordb/graphiti-knowledge-graph-mcp:${V2}`, `FROM ${GRAPHITI_STANDIN}\nLABEL org.opencontainers.image.version=2 autocodex-ops.test=${id}\n`);

    root = mkdtempSync(join(tmpdir(), 'aco-rb-root-'));
    mkdirSync(join(root, 'auto-codex'));
    copyFileSync(join(REPO, 'compose/docker-compose.yml'), join(root, 'docker-compose.yml'));
    copyFileSync(join(FIXTURES, 'compose/docker-compose.override.yml'), join(root, 'docker-compose.override.yml'));
    const [fport, mport] = [await freePort(), await freePort()];
    writeFileSync(join(root, '.env'), `${envText(V1, V1)}\nGRAPHITI_FALKORDB_PORT=${fport}\nGRAPHITI_MCP_PORT=${mport}`);
    const up = await composeRun(['up', '-d']);
    if (up.exitCode !== 0) throw new Error(`compose up failed: ${up.stderr}`);
    await waitHealthy();
    expect((await redis(['set', 'aco:kept', 'across-rollbacks'])).stdout.trim()).toBe('OK');
  }, 300_000);

  afterAll(async () => {
    if (root && compose.length) {
      const down = await composeRun(['down', '-v', '--remove-orphans']);
      if (down.exitCode !== 0) console.error(`compose down failed: ${down.stderr}`);
    }
    for (const n of [names.falkordb, names.graphiti]) await docker.getContainer(n).remove({ force: true, v: true }).catch(() => undefined);
    await docker.getVolume(names.volume).remove().catch(() => undefined);
    for (const name of await danglingAnonymous()) if (!danglingBefore.has(name)) await docker.getVolume(name).remove().catch(() => undefined);
    for (const ref of images) await docker.getImage(ref).remove().catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  }, 180_000);

  it('upgrades to explicit tags: only the two tag values change in .env, the pair is recorded', async () => {
    const before = envFile().toString();
    const r = await cli(['--json', 'rollback', 'images', '--falkordb-tag', V2, '--graphiti-tag', V2, '--yes', '--no-pull', '--no-backup', '--health-timeout', '60']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ kind: 'images', from: { falkordb: V1, graphiti: V1 }, to: { falkordb: V2, graphiti: V2 }, backup: false, directions: { falkordb: 'up' } });
    expect(result.health.falkordb).toMatchObject({ container: names.falkordb, status: 'healthy' });
    expect(envFile().toString()).toBe(before.replace(`FALKORDB_IMAGE_TAG=${V1}   # pinned`, `FALKORDB_IMAGE_TAG=${V2}   # pinned`).replace(`GRAPHITI_MCP_IMAGE_TAG="${V1}"`, `GRAPHITI_MCP_IMAGE_TAG="${V2}"`));
    expect(await tags()).toEqual([`falkordb/falkordb:${V2}`, `falkordb/graphiti-knowledge-graph-mcp:${V2}`]);
    const history = JSON.parse(readFileSync(join(root, '.autocodex-ops/image-history.json'), 'utf8'));
    expect(history.entries.map((e: { falkordbTag: string; source: string }) => `${e.falkordbTag} ${e.source}`)).toEqual([`${V1} observed`, `${V2} rollback`]);
    expect(history.entries[1].falkordbImageId).toBe((await inspect(names.falkordb)).imageId);
  });

  it('--dry-run shows the way back and changes nothing', async () => {
    const before = { env: envFile(), id: (await inspect(names.falkordb)).id };
    const r = await cli(['rollback', 'images', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`to falkordb ${V1}, graphiti-mcp ${V1} (the previous recorded pair)`);
    expect(r.stdout).toContain('Going down from FalkorDB');
    expect(envFile().equals(before.env)).toBe(true);
    expect((await inspect(names.falkordb)).id).toBe(before.id);
  });

  it('refuses without --yes off a terminal (exit 2), and an absent image with --no-pull (exit 10) or a failing pull (exit 10)', async () => {
    const before = envFile();
    expect((await cli(['rollback', 'images'])).code).toBe(2);
    const noPull = await cli(['rollback', 'images', '--falkordb-tag', tag('never-built'), '--yes', '--no-pull', '--no-backup']);
    expect(noPull.code).toBe(10);
    expect(noPull.stderr).toContain('--no-pull');
    const dry = await cli(['rollback', 'images', '--falkordb-tag', tag('never-built'), '--dry-run', '--no-pull']);
    expect(dry.code).toBe(10);
    expect(dry.stdout).toContain(`1. MISSING: falkordb/falkordb:${tag('never-built')} is not on this machine and --no-pull was given; the rollback stops here (exit 10).`);
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    const pull = await cli(['rollback', 'images', '--falkordb-tag', tag('never-built'), '--yes', '--no-backup']);
    expect(pull.code).toBe(10);
    expect(pull.stderr).toContain('Could not pull');
    expect(envFile().equals(before)).toBe(true);
    expect(await tags()).toEqual([`falkordb/falkordb:${V2}`, `falkordb/graphiti-knowledge-graph-mcp:${V2}`]);
  });

  it('rolls back to the previous pair with no tags, taking a FalkorDB backup first; the data stays', async () => {
    const r = await cli(['--json', 'rollback', 'images', '--yes', '--no-pull', '--health-timeout', '60']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ fromHistory: true, from: { falkordb: V2 }, to: { falkordb: V1, graphiti: V1 }, directions: { falkordb: 'down' } });
    expect(result.backup).toMatch(/falkordb_data_\d{8}_\d{6}\.tar\.gz$/);
    expect(existsSync(result.backup)).toBe(true);
    expect(existsSync(`${result.backup}.sha256`)).toBe(true);
    expect(r.stderr).toContain('Going down from FalkorDB');
    expect(await tags()).toEqual([`falkordb/falkordb:${V1}`, `falkordb/graphiti-knowledge-graph-mcp:${V1}`]);
    expect(envFile().toString()).toContain(`FALKORDB_IMAGE_TAG=${V1}   # pinned\nGRAPHITI_MCP_IMAGE_TAG="${V1}"\n`);
    expect((await redis(['get', 'aco:kept'])).stdout.trim()).toBe('across-rollbacks');
  });

  it('rolls forward again with no tags (the previous pair is now the newer one)', async () => {
    const r = await cli(['--json', 'rollback', 'images', '--yes', '--no-pull', '--no-backup', '--health-timeout', '60']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ to: { falkordb: V2, graphiti: V2 }, directions: { falkordb: 'up' } });
    expect(await tags()).toEqual([`falkordb/falkordb:${V2}`, `falkordb/graphiti-knowledge-graph-mcp:${V2}`]);
  });

  it('a tag whose container never becomes healthy: returns to the previous pair by itself and exits 1 reporting both', async () => {
    const before = envFile();
    const r = await cli(['rollback', 'images', '--falkordb-tag', BAD, '--yes', '--no-pull', '--no-backup', '--health-timeout', '60']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Rolling to falkordb ${BAD}, graphiti-mcp ${V2} failed`);
    expect(r.stderr).toContain(`Returned to falkordb ${V2}, graphiti-mcp ${V2}`);
    // The reason is on stderr: the bad container's own last words, under its name.
    expect(r.stderr).toMatch(new RegExp(`Last log lines of ${names.falkordb}:\\n.*Can't handle RDB format version 12`));
    expect(envFile().equals(before)).toBe(true);
    expect(await tags()).toEqual([`falkordb/falkordb:${V2}`, `falkordb/graphiti-knowledge-graph-mcp:${V2}`]);
    expect((await inspect(names.falkordb)).health).toBe('healthy');
    expect((await inspect(names.graphiti)).health).toBe('healthy');
    expect((await redis(['get', 'aco:kept'])).stdout.trim()).toBe('across-rollbacks');
    const history = JSON.parse(readFileSync(join(root, '.autocodex-ops/image-history.json'), 'utf8'));
    expect(history.entries.some((e: { falkordbTag: string }) => e.falkordbTag === BAD)).toBe(false);
  });

  it('--list shows the recorded pairs, the configured one marked', async () => {
    const r = await cli(['rollback', 'images', '--list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes(id));
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)).toMatch(new RegExp(`^\\* .*${V2}`));
    expect(readdirSync(join(root, 'backups')).filter((n) => n.endsWith('.tar.gz'))).toHaveLength(1);
  });
});
