import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerApi, type DockerApi } from '../../src/core/docker/docker.js';
import { InterruptedError } from '../../src/core/errors.js';
import { connectFalkor } from '../../src/core/falkordb/falkordb.js';
import { runFalkorRestore } from '../../src/core/restore/run-falkordb-restore.js';
import { DockerTestEnv, ensureStandinImages, dockerInputs } from '../helpers/docker.js';
import { runProgram } from '../helpers/run-program.js';
import { connected, standinRestoreVars, standinStateDir, startStandinStack, type StandinStack } from '../helpers/standin-stack.js';
import { writeRawArchive } from '../fixtures/restore/raw-tar.js';
import { ageKeygen, ageTool } from '../helpers/age-tool.js';
import { execFileSync } from 'node:child_process';

// `restore falkordb` on the real engine with the stand-in FalkorDB. Each stack is its own compose
// project with a fixed published port (a restart keeps it), a REDISCLI_AUTH healthcheck and a
// Graphiti MCP stand-in. Outcomes are checked around the code under test: ioredis for keys and
// values, busybox digests of the volume, dockerode for container state.

const PASSWORD = 'it-restore-pw-5b2d';

type Stack = StandinStack;

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('restore falkordb on a real engine', () => {
  const env = new DockerTestEnv();
  const stacks: Stack[] = [];
  let root: string;

  async function stack(appendonly: boolean): Promise<Stack> {
    const s = await startStandinStack(env, PASSWORD, appendonly);
    stacks.push(s);
    return s;
  }

  const envFor = (s: Stack, over: Record<string, string> = {}) => standinRestoreVars(s, PASSWORD, root, over);
  const stateOf = (s: Stack) => standinStateDir(root, s);

  const cli = (s: Stack, args: string[], over: Record<string, string> = {}) => runProgram([...args, '--root', root], { env: envFor(s, over) });
  const running = async (name: string) => (await env.docker.getContainer(name).inspect()).State.Running;
  // Scoped to the stack's volume: other test runs on the same engine make helpers of their own.
  const helpers = async (volume: string) => (await env.docker.listContainers({ all: true, filters: { label: ['autocodex-ops.helper=1'], volume: [volume] } })).length;
  /** The safety copies written so far (the folder exists only once one was started). */
  const preRestore = (s: Stack) => (existsSync(join(root, s.project)) ? readdirSync(join(root, s.project)) : []).filter((n) => n.startsWith('falkordb_pre_restore_'));

  async function snapshot(s: Stack): Promise<Record<string, string>> {
    await connected(s.redis);
    const keys = (await s.redis.keys('*')).sort();
    const values = await Promise.all(keys.map((k) => s.redis.get(k)));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
  }

  async function fill(s: Stack, prefix: string, n: number): Promise<void> {
    const pipe = s.redis.pipeline();
    for (let i = 0; i < n; i += 1) pipe.set(`${prefix}:${i}`, `${prefix}-value-${i}-${randomBytes(8).toString('hex')}`);
    await pipe.exec();
  }

  async function backup(s: Stack): Promise<string> {
    const run = await cli(s, ['backup', 'falkordb', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout).archive as string;
  }

  /** Runs the restore in this process with `docker` (spied on by the test) and `controller`'s signal. */
  async function restoreInProcess(s: Stack, archive: string, docker: DockerApi, controller: AbortController) {
    const lines: string[] = [];
    const error = await runFalkorRestore(
      {
        archive,
        dryRun: false,
        force: false,
        start: false,
        preRestoreDir: join(root, s.project),
        journals: { dir: join(join(root, s.project), 'state'), engine: 'local', legacyDir: join(root, s.project) },
        healthTimeoutSecs: 60,
        skipHealthWait: false,
        stopGraceSeconds: 10,
        server: { host: '127.0.0.1', port: s.port, password: PASSWORD },
        project: s.project,
        falkordbContainerName: s.falkordb,
        graphitiContainerName: s.graphiti,
        configuredVolume: s.volume,
        extraHelperImages: [],
      },
      {
        log: { info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) },
        signal: controller.signal,
        now: () => new Date(),
        hostname: 'it',
        toolVersion: 'it',
        lockDir: join(root, 'locks'),
        confirm: async () => true,
        docker: async () => docker,
        connect: connectFalkor,
      },
    ).catch((e: unknown) => e);
    return { error, lines };
  }

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    root = mkdtempSync(join(tmpdir(), 'aco-int-restore-'));
  });

  afterAll(async () => {
    for (const s of stacks) s.redis.disconnect();
    await env.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  for (const appendonly of [true, false]) {
    it(`round trip with appendonly ${appendonly ? 'yes (AOF)' : 'no (RDB only)'}: keys and values equal the backup's, safety copy listed`, async () => {
      const s = await stack(appendonly);
      await fill(s, 'graph', 200);
      const archive = await backup(s);
      const backedUp = await snapshot(s);
      await s.redis.flushall();
      await fill(s, 'changed', 50);
      const run = await cli(s, ['restore', 'falkordb', archive, '--yes', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ kind: 'falkordb', archive, safetyBackup: expect.stringContaining('falkordb_pre_restore_'), durationMs: expect.any(Number), health: { status: 'healthy', data: { ping: 'PONG', keys: 200, expectedKeys: 200 } } });
      expect(await snapshot(s)).toEqual(backedUp);
      expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
      const list = await cli(s, ['backup', 'list', '--kind', 'pre-restore', '--json']);
      expect(JSON.parse(list.stdout).backups.map((b: { archive: string }) => b.archive)).toEqual([result.safetyBackup]);
      expect(await helpers(s.volume)).toBe(0);
      expect(run.stderr).not.toContain(PASSWORD);
    });
  }

  it('encrypted (age) round trip: the backup opens with age -d, a wrong key is exit 2 with the data untouched, the right one restores', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'aco-int-age-'));
    const alice = ageKeygen(keys, 'alice.txt');
    const carol = ageKeygen(keys, 'carol.txt');
    try {
      const s = await stack(true);
      await fill(s, 'graph', 150);
      const made = await cli(s, ['backup', 'falkordb', '--json'], { AUTOCODEX_OPS_AGE_RECIPIENTS: alice.recipient });
      expect(made.code, made.stderr).toBe(0);
      const archive = JSON.parse(made.stdout).archive as string;
      expect(archive).toMatch(/\.tar\.gz\.age$/);
      const plain = ageTool(['-d', '-i', alice.file], readFileSync(archive));
      expect(plain.status).toBe(0);
      expect(execFileSync('tar', ['-tz'], { input: plain.stdout, encoding: 'utf8' })).toMatch(/appendonlydir/);
      const backedUp = await snapshot(s);
      await s.redis.flushall();
      await fill(s, 'changed', 20);
      const changed = await snapshot(s);
      const wrong = await cli(s, ['restore', 'falkordb', archive, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: carol.file });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('No identity matches');
      expect(await snapshot(s)).toEqual(changed);
      const run = await cli(s, ['restore', 'falkordb', archive, '--yes', '--json'], { AUTOCODEX_OPS_AGE_IDENTITY: alice.file });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(await snapshot(s)).toEqual(backedUp);
      // The identity is at hand and the archive was encrypted: so is the safety copy, to its key.
      expect(result.safetyBackup).toMatch(/falkordb_pre_restore_.*\.tar\.gz\.age$/);
      expect(ageTool(['-d', '-i', alice.file], readFileSync(result.safetyBackup)).status).toBe(0);
      expect(`${run.stdout}${run.stderr}${wrong.stderr}`).not.toContain(alice.secret);
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });

  it('refuses corrupt, truncated, mismatching, ../, absolute-path and symlink-out archives with exit 2, volume untouched', async () => {
    const s = await stack(false);
    await fill(s, 'keep', 20);
    const archive = await backup(s);
    const before = await env.digest(s.volume);
    const data = readFileSync(archive);
    const flipped = Buffer.from(data);
    for (let i = 0; i < 32; i += 1) flipped[Math.floor(data.length / 2) + i]! ^= 0x5a;
    writeFileSync(join(root, 'corrupt.tar.gz'), flipped);
    writeFileSync(join(root, 'truncated.tar.gz'), data.subarray(0, data.length - 200));
    writeFileSync(join(root, 'mismatch.tar.gz'), data);
    writeFileSync(join(root, 'mismatch.tar.gz.sha256'), `${'1'.repeat(64)}  mismatch.tar.gz\n`);
    const base = [{ path: './', type: 'Directory' }, { path: './dump.rdb', body: 'REDIS0011' }];
    const evil = {
      'dotdot.tar.gz': [...base, { path: '../../escape.txt', body: 'x' }],
      'absolute.tar.gz': [...base, { path: '/etc/evil.conf', body: 'x' }],
      'symlink.tar.gz': [...base, { path: './link', type: 'SymbolicLink', linkpath: '/etc' }],
    };
    for (const [name, entries] of Object.entries(evil)) writeRawArchive(join(root, name), entries);
    for (const name of ['corrupt.tar.gz', 'truncated.tar.gz', 'mismatch.tar.gz', ...Object.keys(evil)]) {
      const run = await cli(s, ['restore', 'falkordb', join(root, name), '--yes']);
      expect(run.code, `${name}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain('cannot be restored');
    }
    expect(await env.digest(s.volume)).toEqual(before);
    expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
    expect(preRestore(s)).toEqual([]);
  });

  it('an archive whose data the server will not load is rolled back: previous data moved back, services running, exit 1', async () => {
    const s = await stack(false);
    await fill(s, 'orig', 30);
    await s.redis.save();
    const before = await snapshot(s);
    const bad = writeRawArchive(join(root, 'unloadable.tar.gz'), [{ path: './', type: 'Directory' }, { path: './dump.rdb', body: 'this is not an RDB file at all' }]);
    const run = await cli(s, ['restore', 'falkordb', bad, '--yes', '--health-timeout', '30']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Restore failed while checking the services and the data: .*\nRolled back: volume .* holds its previous data \(moved aside into \.falkordb_pre_restore_\d{8}_\d{6}\) again; restarted /);
    expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
    expect(await snapshot(s)).toEqual(before);
    // The safety copy is written while the server is checked: stopped half way (nothing left) or already whole and verified.
    expect([0, 3]).toContain(preRestore(s).length);
    // No journal is left once the restore is rolled back.
    expect((existsSync(stateOf(s)) ? readdirSync(stateOf(s)) : []).filter((n) => n.endsWith('.journal.json'))).toEqual([]);
  });

  it('Ctrl-C during the extraction rolls back: previous data moved back, services running, exit 130', async () => {
    const s = await stack(true);
    await fill(s, 'orig', 30);
    await s.redis.set('blob', randomBytes(4 * 1024 * 1024));
    const archive = await backup(s);
    await s.redis.flushall();
    await fill(s, 'now', 40);
    const before = await snapshot(s);
    const controller = new AbortController();
    const docker = await createDockerApi({ inputs: dockerInputs() });
    const put = docker.putArchive.bind(docker);
    let first = true;
    // The first import is the archive being restored: abort once bytes are flowing into the volume.
    docker.putArchive = async (id, path, tar, options) => {
      if (!first) return put(id, path, tar, options);
      first = false;
      const spy = new PassThrough();
      let seen = 0;
      spy.on('data', (chunk: Buffer) => (seen += chunk.length) > 256 * 1024 && !controller.signal.aborted && controller.abort());
      tar.on('error', (e) => spy.destroy(e));
      return put(id, path, tar.pipe(spy), options);
    };
    const { error, lines } = await restoreInProcess(s, archive, docker, controller);
    expect(error, lines.join('\n')).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect((error as Error).message).toMatch(/^Restore interrupted while extracting the archive: [\s\S]*\nRolled back: volume .* holds its previous data \(moved aside into \.falkordb_pre_restore_/);
    expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
    expect(await snapshot(s)).toEqual(before);
  });

  it('Ctrl-C while the safety copy is written during the checks: previous data moved back, no helper or partial copy left, services running, exit 130', async () => {
    const s = await stack(true);
    await fill(s, 'orig', 30);
    await s.redis.set('blob', randomBytes(4 * 1024 * 1024));
    const archive = await backup(s);
    await fill(s, 'now', 40);
    const before = await snapshot(s);
    const copies = preRestore(s).length;
    const controller = new AbortController();
    const docker = await createDockerApi({ inputs: dockerInputs() });
    const get = docker.getArchive.bind(docker);
    docker.getArchive = async (id, path, options) => {
      const stream = await get(id, path, options);
      let seen = 0;
      // Abort once the export of the moved-aside folder is under way (the services are being checked).
      stream.on('data', (chunk: Buffer) => (seen += chunk.length) > 256 * 1024 && !controller.signal.aborted && controller.abort());
      return stream;
    };
    const { error, lines } = await restoreInProcess(s, archive, docker, controller);
    expect(error, lines.join('\n')).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
    expect(await snapshot(s)).toEqual(before);
    expect(await helpers(s.volume)).toBe(0);
    expect(preRestore(s).length).toBe(copies);
    expect(readdirSync(join(root, s.project)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
