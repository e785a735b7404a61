import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArchive } from '../helpers/archives.js';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';
import { writeRawArchive } from '../fixtures/restore/raw-tar.js';

// `restore` through the built single binary: the dry run, the refusal without --yes when stdin is
// not a terminal (execa's stdin is a pipe), and, with a Docker engine, a dry run against a real
// stand-in FalkorDB and a SIGINT in the middle of a real restore.

const REPO = new URL('../..', import.meta.url).pathname;
const BINARY = join(REPO, 'dist/autocodex-ops');
const run = (args: string[], env: Record<string, string> = {}) => execa(BINARY, args, { reject: false, env: { NO_COLOR: '1', ...env } });

async function userdataSetup() {
  const root = mkdtempSync(join(tmpdir(), 'aco-e2e-restore-'));
  const userdata = join(root, 'Auto Codex');
  mkdirSync(userdata);
  writeFileSync(join(userdata, 'settings.json'), 'current');
  const archive = await makeArchive(join(root, 'backups', 'userdata_20250101_000000.tar.gz'), { 'settings.json': 'restored' });
  return { root, userdata, archive, files: () => readdirSync(join(root, 'backups')).sort() };
}

beforeAll(() => {
  if (!existsSync(BINARY)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
});

describe('restore through the binary', () => {
  it('--dry-run prints the plan as JSON and changes nothing', async () => {
    const s = await userdataSetup();
    const r = await run(['restore', 'userdata', s.archive, '--userdata-dir', s.userdata, '--dry-run', '--json', '--root', s.root]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'userdata', dryRun: true, archive: s.archive, plan: { target: s.userdata } });
    expect(readFileSync(join(s.userdata, 'settings.json'), 'utf8')).toBe('current');
    expect(s.files()).toEqual(['userdata_20250101_000000.tar.gz', 'userdata_20250101_000000.tar.gz.sha256']);
  });

  it('refuses without --yes when stdin is not a terminal: exit 2, nothing touched', async () => {
    const s = await userdataSetup();
    for (const args of [['restore', 'userdata', s.archive, '--userdata-dir', s.userdata], ['restore', 'falkordb', s.archive]]) {
      const r = await run([...args, '--root', s.root], { DOCKER_HOST: 'unix:///nonexistent.sock' });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('Refusing to restore without confirmation');
    }
    expect(readFileSync(join(s.userdata, 'settings.json'), 'utf8')).toBe('current');
    expect(s.files()).toEqual(['userdata_20250101_000000.tar.gz', 'userdata_20250101_000000.tar.gz.sha256']);
  });

  it('--dry-run still refuses an unsafe archive with exit 2 (the checks run first)', async () => {
    const s = await userdataSetup();
    const evil = writeRawArchive(join(s.root, 'evil.tar.gz'), [{ path: './', type: 'Directory' }, { path: './dump.rdb', body: 'x' }, { path: './l', type: 'SymbolicLink', linkpath: '../../etc' }]);
    const r = await run(['restore', 'falkordb', evil, '--dry-run', '--json', '--root', s.root], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!).error).toMatchObject({ code: 2, message: expect.stringContaining('symlink points outside the target') });
  });
});

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('restore falkordb through the binary on a real engine', () => {
  const env = new DockerTestEnv();
  let root: string;
  let redis: Redis;
  let vars: Record<string, string>;
  let volume: string;
  let name: string;

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    root = mkdtempSync(join(tmpdir(), 'aco-e2e-restore-fk-'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    volume = await env.createVolume('data');
    name = env.uniqueName('falkordb');
    const project = env.uniqueName('proj');
    await (
      await env.docker.createContainer({
        name,
        Image: FALKORDB_STANDIN,
        Labels: { ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': 'falkordb' },
        ExposedPorts: { '6379/tcp': {} },
        HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
      })
    ).start();
    redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    for (let i = 0; ; i += 1) {
      if ((await redis.connect().then(() => redis.ping(), () => undefined)) === 'PONG') break;
      if (i > 100) throw new Error('stand-in never answered');
      await delay(100);
    }
    for (let i = 0; i < 50; i += 1) await redis.set(`k${i}`, `v${i}`);
    vars = { COMPOSE_PROJECT_NAME: project, FALKORDB_CONTAINER_NAME: name, GRAPHITI_MCP_CONTAINER_NAME: env.uniqueName('none'), GRAPHITI_FALKORDB_HOST: '127.0.0.1', GRAPHITI_FALKORDB_PORT: String(port), BACKUP_DIR: join(root, 'backups') };
  });

  afterAll(async () => {
    redis?.disconnect();
    await env.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('--dry-run against the running server: plan printed, volume and service untouched', async () => {
    const b = await run(['backup', 'falkordb', '--json', '--root', root], vars);
    expect(b.exitCode, b.stderr).toBe(0);
    const archive = JSON.parse(b.stdout).archive as string;
    const before = await env.digest(volume);
    const r = await run(['restore', 'falkordb', archive, '--dry-run', '--json', '--root', root], vars);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, target: volume, plan: { stop: [name], start: [name] } });
    expect(await env.digest(volume)).toEqual(before);
    expect((await env.docker.getContainer(name).inspect()).State.Running).toBe(true);
    expect(readdirSync(join(root, 'backups')).filter((n) => n.includes('pre_restore'))).toEqual([]);
  });

  it('SIGINT during the extraction beside the moved-aside data: rolled back, FalkorDB running with its data, no journal, exit 130', async () => {
    const b = await run(['backup', 'falkordb', '--json', '--root', root], vars);
    expect(b.exitCode, b.stderr).toBe(0);
    const archive = JSON.parse(b.stdout).archive as string;
    await redis.set('after-backup', 'kept by the rollback');
    const child = execa(BINARY, ['restore', 'falkordb', archive, '--yes', '--root', root], { reject: false, env: { NO_COLOR: '1', ...vars } });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Extracting the archive')) child.kill('SIGINT');
    });
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    // A small archive may be in before the signal lands: any step before the checks pass rolls back.
    expect(r.stderr).toMatch(/Restore interrupted while (extracting the archive|starting the services|checking the services and the data)/);
    expect(r.stderr).toMatch(/Rolled back: volume .* holds its previous data \(moved aside into \.falkordb_pre_restore_\d{8}_\d{6}\) again; restarted /);
    expect(readdirSync(join(root, 'backups')).filter((n) => n.includes('pre_restore') || n.endsWith('.journal.json'))).toEqual([]);
    expect((await env.docker.getContainer(name).inspect()).State.Running).toBe(true);
    for (let i = 0; i < 100 && redis.status !== 'ready'; i += 1) {
      await redis.connect().catch(() => undefined);
      await delay(100);
    }
    expect(await redis.get('after-backup')).toBe('kept by the rollback');
  });
});
