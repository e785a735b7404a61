import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, renameSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { adminClient, createBucket, ensureGateway, removeBucket } from '../helpers/s3-gateway.js';
import { createDockerApi } from '../../src/core/docker/docker.js';
import { connectFalkor } from '../../src/core/falkordb/falkordb.js';
import { OpsError } from '../../src/core/errors.js';
import { runFalkorRestore } from '../../src/core/restore/run-falkordb-restore.js';
import { DockerTestEnv, dockerInputs, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';
import { runProgram, testLockDir } from '../helpers/run-program.js';
import { connected, standinRestoreVars, standinStateDir, startStandinStack, type StandinStack } from '../helpers/standin-stack.js';

// Issue 23 §3 and §8 on the real engine with the stand-in FalkorDB (Redis 7):
// - a real `restore falkordb` process paused at a journal step (AUTOCODEX_OPS_TEST_PAUSE_AT) and
//   killed with SIGKILL there leaves its journal: backup, a plain restore and the healthcheck refuse
//   or fail (exit 1), the next command that uses helpers removes the dead run's helper containers,
//   and --undo / --resume bring the volume to the safety copy or to the archive;
// - an RDB-only archive restored onto a server with appendonly yes is loaded (laid out as the AOF's
//   base), an archive of an appendonly yes server onto one with appendonly no too.

const PASSWORD = 'it-restore-faults-7c1e';
const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');

type Stack = StandinStack;

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('interrupted and mis-loading restores on a real engine', () => {
  const env = new DockerTestEnv();
  const stacks: Stack[] = [];
  let root: string;

  async function stack(appendonly: boolean): Promise<Stack> {
    const s = await startStandinStack(env, PASSWORD, appendonly);
    stacks.push(s);
    return s;
  }

  const envFor = (s: Stack, over: Record<string, string> = {}) => standinRestoreVars(s, PASSWORD, root, { AUTOCODEX_OPS_LOCK_DIR: testLockDir(), ...over });
  const cli = (s: Stack, args: string[], over: Record<string, string> = {}) => runProgram([...args, '--root', root], { env: envFor(s, over) });
  const running = async (name: string) => (await env.docker.getContainer(name).inspect()).State.Running;
  const helpers = async (volume: string) => (await env.docker.listContainers({ all: true, filters: { label: ['autocodex-ops.helper=1'], volume: [volume] } })).length;
  const stateOf = (s: Stack) => standinStateDir(root, s);
  const journals = (s: Stack) => [stateOf(s), join(root, s.project)].flatMap((d) => (existsSync(d) ? readdirSync(d) : [])).filter((n) => n.endsWith('.journal.json'));

  async function snapshot(s: Stack): Promise<Record<string, string>> {
    await connected(s.redis);
    const keys = (await s.redis.keys('*')).sort();
    const values = await Promise.all(keys.map((k) => s.redis.get(k)));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
  }

  async function fill(s: Stack, prefix: string, n: number): Promise<void> {
    const pipe = s.redis.pipeline();
    for (let i = 0; i < n; i += 1) pipe.set(`${prefix}:${i}`, `${prefix}-value-${i}`);
    await pipe.exec();
  }

  async function backup(s: Stack, over: Record<string, string> = {}): Promise<string> {
    const run = await cli(s, ['backup', 'falkordb', '--json'], over);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout).archive as string;
  }

  /** Starts a real restore process, waits until it pauses at `step`, and kills it with SIGKILL. */
  async function killAt(s: Stack, archive: string, step: string, over: Record<string, string> = {}, at = root): Promise<void> {
    const child = execa('node', [BUNDLE, 'restore', 'falkordb', archive, '--yes', '--root', at], { reject: false, env: { NO_COLOR: '1', ...envFor(s, { AUTOCODEX_OPS_TEST_PAUSE_AT: step, AUTOCODEX_OPS_AUDIT_LOG: join(root, 'audit.jsonl'), ...over }) } });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 1200 && !err.includes(`Paused at journal step ${step}`); i += 1) {
      if (child.exitCode !== null) break;
      await delay(50);
    }
    expect(err, err).toContain(`Paused at journal step ${step}`);
    child.kill('SIGKILL');
    const done = await child;
    expect(done.signal).toBe('SIGKILL');
  }

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    if (!existsSync(BUNDLE)) execFileSync('npm', ['run', 'build', '--', '--bundle-only'], { cwd: REPO, stdio: 'inherit' });
    root = mkdtempSync(join(tmpdir(), 'aco-int-restore-faults-'));
  }, 300_000);

  afterAll(async () => {
    for (const s of stacks) s.redis.disconnect();
    await env.cleanup();
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('kill -9 while extracting beside the moved-aside data: the journal makes backup, restore and healthcheck refuse; --undo moves the previous data back', async () => {
    const s = await stack(true);
    await fill(s, 'backed', 40);
    const archive = await backup(s);
    await fill(s, 'live', 9);
    const live = await snapshot(s);
    await killAt(s, archive, 'extracting');
    // The previous data is in the volume's hidden folder, half a restore may be beside it; services are stopped.
    expect(journals(s)).toHaveLength(1);
    expect(await topOf(s.volume)).toEqual([expect.stringMatching(/^\.falkordb_pre_restore_\d{8}_\d{6}$/)]);

    const archives = () => readdirSync(join(root, s.project)).filter((n) => n.startsWith('falkordb_data_')).sort();
    const before = archives();
    const backupRun = await cli(s, ['backup', 'falkordb']);
    expect(backupRun.code).toBe(1);
    expect(backupRun.stderr).toContain('Refusing to back up volume');
    expect(backupRun.stderr).toMatch(/falkordb_pre_restore_\d{8}_\d{6}\.tar\.gz/);
    expect(backupRun.stderr).toContain('restore falkordb --resume');
    expect(backupRun.stderr).toContain('restore falkordb --undo');
    expect(archives()).toEqual(before);

    const health = await cli(s, ['healthcheck', '--only', 'restore-interrupted', '--json']);
    expect(health.code).toBe(1);
    expect(JSON.parse(health.stdout).checks[0]).toMatchObject({ id: 'restore-interrupted', status: 'fail', message: expect.stringMatching(/interrupted while extracting .*the previous data is complete in its folder \.falkordb_pre_restore_/) });

    const plain = await cli(s, ['restore', 'falkordb', archive, '--yes']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('A plain restore would move that half-restored volume aside as if it were the current data');

    const undo = await cli(s, ['restore', 'falkordb', '--undo', '--yes', '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ finished: 'undo', health: { data: { keys: 49 } } });
    expect(await snapshot(s)).toEqual(live);
    expect(await topOf(s.volume)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^\.(falkordb_pre_restore_|autocodex-ops-discard-)/)]));
    expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
    expect(journals(s)).toEqual([]);
    expect((await cli(s, ['healthcheck', '--only', 'restore-interrupted'])).code).toBe(0);
    expect((await cli(s, ['backup', 'falkordb'])).code).toBe(0);
  }, 240_000);

  it('a journal written by a run from one root and PRE_RESTORE_BACKUP_DIR is seen from another root with another one: backup and a plain restore refuse, the healthcheck fails, --undo finishes', async () => {
    const s = await stack(true);
    await fill(s, 'backed', 10);
    const archive = await backup(s);
    await fill(s, 'live', 3);
    const live = await snapshot(s);
    // cron's run, from its own root with its own safety-copy folder, killed while extracting.
    const cronRoot = mkdtempSync(join(root, 'cron-root-'));
    await killAt(s, archive, 'extracting', { PRE_RESTORE_BACKUP_DIR: join(cronRoot, 'pre-restore') }, cronRoot);
    expect(readdirSync(stateOf(s))).toEqual([expect.stringMatching(/^restore-falkordb-.*\.journal\.json$/)]);
    // The operator's shell: another root, another BACKUP_DIR and PRE_RESTORE_BACKUP_DIR.
    const other = mkdtempSync(join(root, 'operator-root-'));
    const there = (args: string[]) => runProgram([...args, '--root', other], { env: envFor(s, { BACKUP_DIR: join(other, 'backups'), PRE_RESTORE_BACKUP_DIR: join(other, 'pre-restore') }) });
    const refused = await there(['backup', 'falkordb']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('Refusing to back up volume');
    expect(existsSync(join(other, 'backups')) ? readdirSync(join(other, 'backups')).filter((n) => n.startsWith('falkordb_data_')) : []).toEqual([]);
    const health = await there(['healthcheck', '--only', 'restore-interrupted', '--json']);
    expect(health.code).toBe(1);
    expect(JSON.parse(health.stdout).checks[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('interrupted while extracting') });
    expect((await there(['restore', 'falkordb', archive, '--yes'])).code).toBe(1);
    const undo = await there(['restore', 'falkordb', '--undo', '--yes', '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(await snapshot(s)).toEqual(live);
    expect(journals(s)).toEqual([]);
    expect((await cli(s, ['healthcheck', '--only', 'restore-interrupted'])).code).toBe(0);
  }, 240_000);

  it('restore falkordb s3://… killed while extracting: --resume downloads the archive again from the real Ceph gateway (another object there: exit 2, nothing changed) and finishes, leaving no download behind', async () => {
    const gw = await ensureGateway();
    const admin = adminClient(gw);
    const bucket = await createBucket(admin);
    try {
      const s3 = {
        AUTOCODEX_OPS_S3_URL: `s3://${bucket}/host1`,
        AUTOCODEX_OPS_S3_ENDPOINT: gw.endpoint,
        AUTOCODEX_OPS_S3_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: gw.accessKey,
        AWS_SECRET_ACCESS_KEY: gw.secretKey,
      };
      const s = await stack(true);
      await fill(s, 'backed', 20);
      const archive = await backup(s);
      const backedUp = await snapshot(s);
      const pushed = await cli(s, ['backup', 'push', archive], s3);
      expect(pushed.code, pushed.stderr).toBe(0);
      const key = `host1/falkordb/${basename(archive)}`;
      const url = `s3://${bucket}/${key}`;
      await fill(s, 'live', 6);
      const other = await backup(s);
      await killAt(s, url, 'extracting', s3);
      const downloads = () => readdirSync(join(root, s.project)).filter((n) => n.startsWith('.offsite-restore-'));
      // The killed run's download is still there; an operator (or a reboot's tmp cleaning) removes it.
      expect(downloads()).toHaveLength(1);
      for (const d of downloads()) rmSync(join(root, s.project, d), { recursive: true });
      // The object was replaced meanwhile (consistent with its own .sha256): refused, nothing changed.
      const put = (k: string, body: Buffer | string) => admin.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body }));
      await put(key, readFileSync(other));
      await put(`${key}.sha256`, readFileSync(`${other}.sha256`));
      const refused = await cli(s, ['restore', 'falkordb', '--resume', '--yes'], s3);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`${url} is no longer the archive the interrupted restore began with`);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect(journals(s)).toHaveLength(1);
      expect(downloads()).toEqual([]);
      // Without the store configured: exit 2 saying so.
      const noStore = await cli(s, ['restore', 'falkordb', '--resume', '--yes']);
      expect(noStore.code).toBe(2);
      expect(noStore.stderr).toContain('is gone; fetching it again failed: No offsite store is configured.');
      expect(noStore.stderr).toContain('restore falkordb --undo` puts the previous data back');
      // The original object back: the resume downloads it, checks it against the journal and finishes.
      await put(key, readFileSync(archive));
      await put(`${key}.sha256`, readFileSync(`${archive}.sha256`));
      const resumed = await cli(s, ['restore', 'falkordb', '--resume', '--yes', '--json'], s3);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: 'resume', sha256: readFileSync(`${archive}.sha256`, 'utf8').split(/\s+/)[0], health: { data: { keys: 20 } } });
      expect(await snapshot(s)).toEqual(backedUp);
      expect(journals(s)).toEqual([]);
      expect(downloads()).toEqual([]);
    } finally {
      await removeBucket(admin, bucket);
      admin.destroy();
    }
  }, 360_000);

  /** The names at the top of a volume (dotfiles included), through a helper of the stand-in image. */
  async function topOf(volume: string): Promise<string[]> {
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'sh', '-v', `${volume}:/data`, FALKORDB_STANDIN, '-c', 'cd /data && ls -A1'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).sort();
  }

  /** The keys of the safety archive(s) the restore wrote, read back by loading each into a throwaway stand-in. */
  const safetyArchives = (s: Stack) => readdirSync(join(root, s.project)).filter((n) => /^falkordb_pre_restore_\d{8}_\d{6}\.tar\.gz$/.test(n));

  for (const step of ['moving-aside', 'extracting', 'starting', 'verifying', 'writing-safety-archive'] as const) {
    it(`kill -9 at step ${step}: --resume finishes (restored data, a verified safety archive of the previous data, no folder, no journal)`, async () => {
      const s = await stack(step === 'starting' || step === 'writing-safety-archive');
      await fill(s, 'backed', 25);
      const archive = await backup(s);
      const backedUp = await snapshot(s);
      await fill(s, 'live', 5);
      await killAt(s, archive, step);
      expect(journals(s)).toHaveLength(1);
      const health = await cli(s, ['healthcheck', '--only', 'restore-interrupted', '--json']);
      expect(JSON.parse(health.stdout).checks[0]).toMatchObject({ status: 'fail', message: expect.stringContaining(`interrupted while ${step}`) });
      const resumed = await cli(s, ['restore', 'falkordb', '--resume', '--yes', '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ finished: 'resume', archive, safetyBackup: expect.stringMatching(/falkordb_pre_restore_\d{8}_\d{6}\.tar\.gz$/) });
      if (step !== 'writing-safety-archive') expect(JSON.parse(resumed.stdout)).toMatchObject({ health: { data: { keys: 25, expectedKeys: 25 } } });
      expect(await snapshot(s)).toEqual(backedUp);
      expect(journals(s)).toEqual([]);
      expect(await helpers(s.volume)).toBe(0);
      expect(await topOf(s.volume)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^\.(falkordb_pre_restore_|autocodex-ops-discard-)/)]));
      // The previous data (25 backed + 5 live keys) is in the safety archive, which restores.
      expect(safetyArchives(s).length).toBeGreaterThanOrEqual(1);
      const back = await cli(s, ['restore', 'falkordb', JSON.parse(resumed.stdout).safetyBackup, '--yes', '--json']);
      expect(back.code, back.stderr).toBe(0);
      expect(Object.keys(await snapshot(s))).toHaveLength(30);
      // Nothing left to finish: --resume is exit 2 and changes nothing.
      expect((await cli(s, ['restore', 'falkordb', '--resume', '--yes'])).code).toBe(2);
    }, 300_000);
  }

  for (const step of ['moving-aside', 'verifying', 'writing-safety-archive'] as const) {
    it(`kill -9 at step ${step}: --undo moves the previous data back without any archive and starts what ran`, async () => {
      const s = await stack(true);
      await fill(s, 'backed', 12);
      const archive = await backup(s);
      await fill(s, 'live', 4);
      const live = await snapshot(s);
      await killAt(s, archive, step);
      // The undo needs no archive: the one being restored may even be gone.
      renameSync(archive, `${archive}.gone`);
      const undo = await cli(s, ['restore', 'falkordb', '--undo', '--yes', '--json']);
      expect(undo.code, undo.stderr).toBe(0);
      expect(JSON.parse(undo.stdout)).toMatchObject({ finished: 'undo', safetyBackup: null, health: { data: { keys: 16 } } });
      expect(await snapshot(s)).toEqual(live);
      expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
      expect(journals(s)).toEqual([]);
      expect(await helpers(s.volume)).toBe(0);
      expect(await topOf(s.volume)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^\.(falkordb_pre_restore_|autocodex-ops-discard-)/)]));
      renameSync(`${archive}.gone`, archive);
    }, 240_000);
  }

  it('an archive pruned or replaced while the operator sits at the prompt: exit 1, nothing stopped, no safety copy', async () => {
    const s = await stack(true);
    await fill(s, 'backed', 10);
    const archive = await backup(s);
    await fill(s, 'live', 3);
    const live = await snapshot(s);
    const docker = await createDockerApi({ inputs: dockerInputs() });
    const started = async () => (await env.docker.getContainer(s.falkordb).inspect()).State.StartedAt;
    const since = await started();
    for (const change of ['prune', 'replace'] as const) {
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
          log: { info: () => undefined, warn: () => undefined, error: () => undefined },
          now: () => new Date(),
          hostname: 'it',
          toolVersion: 'it',
          lockDir: testLockDir(),
          // The "operator" answers while a nightly retention prunes (or a copy replaces) the archive.
          confirm: async () => {
            renameSync(archive, `${archive}.old`);
            if (change === 'replace') copyFileSync(`${archive}.old`, archive);
            return true;
          },
          docker: async () => docker,
          connect: connectFalkor,
        },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpsError);
      expect((error as OpsError).exitCode).toBe(1);
      expect((error as Error).message).toMatch(change === 'prune' ? /was removed since it was checked; nothing was stopped or changed/ : /was replaced by another file since it was checked/);
      renameSync(`${archive}.old`, archive);
    }
    expect(await started()).toBe(since);
    expect([await running(s.falkordb), await running(s.graphiti)]).toEqual([true, true]);
    expect(readdirSync(join(root, s.project)).filter((n) => n.startsWith('falkordb_pre_restore_'))).toEqual([]);
    expect(await snapshot(s)).toEqual(live);
  }, 120_000);

  it('an RDB-only archive onto appendonly yes is loaded as the AOF base; an appendonly-yes archive onto appendonly no loads too', async () => {
    const rdbOnly = await stack(false);
    await fill(rdbOnly, 'rdb', 50);
    const rdbArchive = await backup(rdbOnly);
    const rdbData = await snapshot(rdbOnly);
    expect(execFileSync('tar', ['-tzf', rdbArchive], { encoding: 'utf8' })).not.toContain('appendonlydir');

    const aofOn = await stack(true);
    await fill(aofOn, 'live', 9);
    const plan = await cli(aofOn, ['restore', 'falkordb', rdbArchive, '--dry-run', '--json']);
    expect(JSON.parse(plan.stdout).plan.load).toContain('laid out as the base of an AOF (appendonlydir/appendonly.aof.1.base.rdb)');
    const run = await cli(aofOn, ['restore', 'falkordb', rdbArchive, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ load: 'rdb-as-aof-base', health: { data: { keys: 50 } } });
    expect(await snapshot(aofOn)).toEqual(rdbData);
    // The server extends that AOF: a write after the restore survives a restart.
    await aofOn.redis.set('after', 'restore');
    await env.docker.getContainer(aofOn.falkordb).restart();
    expect(await snapshot(aofOn)).toEqual({ ...rdbData, after: 'restore' });

    const aofArchive = await backup(aofOn);
    const aofData = await snapshot(aofOn);
    const aofOff = await stack(false);
    const back = await cli(aofOff, ['restore', 'falkordb', aofArchive, '--yes', '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ load: 'rdb', health: { data: { keys: 51 } } });
    expect(await snapshot(aofOff)).toEqual(aofData);
  }, 240_000);
});
