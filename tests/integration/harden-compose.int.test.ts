import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, archiveDigest, preRestoreCopies, withoutModes } from '../helpers/docker.js';
import { freePort } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';
import { testRuntime } from '../helpers/runtime.js';
import { runCli } from '../../src/run-cli.js';
import { redisOn } from '../helpers/standin-stack.js';

// `harden falkordb` on a stack started from the app's original compose file (volume on /data) with
// the compose CLI of this machine (docker-compose 1.29 here, v2 elsewhere): 500 keys rescued out of the
// container's layer, the compose file edited in place (.bak beside it), the service brought up again
// by compose with the volume at /var/lib/falkordb/data, auth, AOF and loopback; the old container
// committed as an image (compose removes the container itself).

const FIXTURE = fileURLToPath(new URL('../fixtures/harden/docker-compose.original.yml', import.meta.url));
const KEYS = 500;
const REPO = fileURLToPath(new URL('../..', import.meta.url));

async function composeCli(): Promise<string[]> {
  const v2 = await execa('docker', ['compose', 'version'], { reject: false });
  return v2.exitCode === 0 ? ['docker', 'compose'] : ['docker-compose'];
}

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('harden falkordb on a compose-managed stack', () => {
  const env = new DockerTestEnv();
  const stacks: Array<{ root: string; project: string; volume: string; name: string }> = [];
  const images: string[] = [];
  let cli: string[];
  let bundle: string;

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    cli = await composeCli();
    // The built bundle in a child process: cli.ts owns the real SIGINT handling.
    const out = mkdtempSync(join(tmpdir(), 'aco-bundle-'));
    await execa(process.execPath, [join(REPO, 'scripts/build.mjs'), '--bundle-only', '--out', out], { cwd: REPO });
    bundle = join(out, 'cli.cjs');
  });
  afterAll(async () => {
    for (const s of stacks) {
      await execa(cli[0]!, [...cli.slice(1), '-p', s.project, 'down', '-v'], { cwd: s.root, reject: false });
      await env.docker.getContainer(s.name).remove({ force: true, v: true }).catch(() => undefined);
      await env.docker.getVolume(s.volume).remove().catch(() => undefined);
      rmSync(s.root, { recursive: true, force: true });
    }
    for (const i of images) await env.docker.getImage(i).remove({ force: true }).catch(() => undefined);
    await env.cleanup();
  });

  const redis = (port: number, password?: string): Promise<Redis> => redisOn(port, password, 150);
  const keysAfterCleanup = async (port: number, password: string) => {
    const r = await redis(port, password);
    try {
      return await r.dbsize();
    } finally {
      r.disconnect();
    }
  };

  async function stack(composeText?: string, falkordbArgs?: string) {
    const root = mkdtempSync(join(tmpdir(), 'aco-harden-compose-'));
    const project = env.uniqueName('proj');
    const volume = env.uniqueName('vol');
    const name = env.uniqueName('falkordb');
    const port = await freePort();
    stacks.push({ root, project, volume, name });
    mkdirSync(join(root, 'auto-codex'));
    if (composeText) writeFileSync(join(root, 'docker-compose.yml'), composeText);
    else copyFileSync(FIXTURE, join(root, 'docker-compose.yml'));
    const dotenv = `COMPOSE_PROJECT_NAME=${project}\nFALKORDB_IMAGE_TAG=autocodex-ops-standin\nFALKORDB_CONTAINER_NAME=${name}\nGRAPHITI_FALKORDB_PORT=${port}\nFALKORDB_VOLUME=${volume}\n${falkordbArgs ? `FALKORDB_ARGS=${falkordbArgs}\n` : ''}`;
    writeFileSync(join(root, '.env'), dotenv);
    const up = await execa(cli[0]!, [...cli.slice(1), '-p', project, 'up', '-d', 'falkordb'], { cwd: root, reject: false });
    expect(up.exitCode, up.stderr).toBe(0);
    const r = await redis(port);
    const pipe = r.pipeline();
    for (let i = 0; i < KEYS; i++) pipe.set(`key:${i}`, `value-${i}`);
    await pipe.exec();
    r.disconnect();
    const vars = { AUTO_CODEX_ROOT: root, GRAPHITI_FALKORDB_HOST: '127.0.0.1', RESTORE_HEALTH_TIMEOUT_SECS: '30' };
    return { root, project, volume, name, port, vars, dotenv };
  }

  it('rescues 500 keys, edits the compose file, compose brings it up hardened, and a fresh up keeps the keys', async () => {
    const s = await stack();
    const oldId = (await env.docker.getContainer(s.name).inspect()).Id;
    const original = readFileSync(join(s.root, 'docker-compose.yml'));

    // The dry run names the compose CLI it found and what a failure puts back, and changes nothing.
    const dryRun = await runProgram(['harden', 'falkordb', '--generate-password', '--dry-run'], { env: s.vars });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(new RegExp(`up -d falkordb with ${cli.join(' ')} [\\d.]+\\S*, project ${s.project}: compose creates the container again`));
    expect(dryRun.stdout).toMatch(/on failure or Ctrl-C after step 2: compose's new container is removed, \S+docker-compose\.yml and the \.env files come back from their \.bak, the old container is renamed back \(or created again from autocodex-ops-pre-harden\//);
    expect(dryRun.stdout).toMatch(/Dry run: nothing was changed/);
    expect((await env.docker.getContainer(s.name).inspect()).Id).toBe(oldId);
    expect(readFileSync(join(s.root, 'docker-compose.yml'))).toEqual(original);

    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--json'], { env: s.vars });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'hardened', keys: KEYS, volume: s.volume, oldImage: expect.stringMatching(/^autocodex-ops-pre-harden\//) });
    images.push(result.oldImage);
    const password = parse(readFileSync(join(s.root, '.env'))).GRAPHITI_FALKORDB_PASSWORD!;
    expect(run.stdout + run.stderr).not.toContain(password);
    expect(parse(readFileSync(join(s.root, 'auto-codex', '.env'))).GRAPHITI_FALKORDB_PASSWORD).toBe(password);
    expect(parse(readFileSync(join(s.root, '.env'))).FALKORDB_ARGS).toBe(`--appendonly yes --requirepass ${password}`);
    expect(readFileSync(join(s.root, '.env.bak'), 'utf8')).toBe(s.dotenv);
    // The compose file: only the volume line and the port line changed, its .bak is the original.
    expect(readFileSync(join(s.root, 'docker-compose.yml.bak'))).toEqual(original);
    expect(readFileSync(join(s.root, 'docker-compose.yml'), 'utf8')).toBe(
      original.toString().replace('- falkordb_data:/data   # the trap', '- falkordb_data:/var/lib/falkordb/data   # the trap').replace('- "${GRAPHITI_FALKORDB_PORT:-6380}:6379"', '- "127.0.0.1:${GRAPHITI_FALKORDB_PORT:-6380}:6379"'),
    );

    const now = await env.docker.getContainer(s.name).inspect();
    expect(now.Id).not.toBe(oldId);
    expect(now.Config.Labels['com.docker.compose.project']).toBe(s.project);
    expect(now.Mounts.find((m) => m.Destination === '/var/lib/falkordb/data')?.Name).toBe(s.volume);
    expect(now.HostConfig.PortBindings['6379/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(s.port) }]);
    const r = await redis(s.port, password);
    expect(await r.dbsize()).toBe(KEYS);
    expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    r.disconnect();

    // The proof: the container removed, compose up again: the keys are in the volume.
    await env.docker.getContainer(s.name).remove({ force: true, v: true });
    const up = await execa(cli[0]!, [...cli.slice(1), '-p', s.project, 'up', '-d', 'falkordb'], { cwd: s.root, reject: false });
    expect(up.exitCode, up.stderr).toBe(0);
    const again = await redis(s.port, password);
    expect(await again.dbsize()).toBe(KEYS);
    again.disconnect();

    const second = await runProgram(['harden', 'falkordb', '--yes', '--json'], { env: s.vars });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'already-hardened' });
    // The way back: the committed image holds the old layer with its data.
    expect(await env.docker.getImage(result.oldImage).inspect().then(() => true, () => false)).toBe(true);
    expect(existsSync(join(s.root, '.autocodex-ops', 'harden-journal.json'))).toBe(false);
    expect(result.nextSteps.join('\n')).toMatch(/autocodex-ops harden --cleanup/);

    // --cleanup removes the committed image, and only images harden made: an image of the user's
    // under the same name pattern but without harden's label stays.
    const lookalike = `autocodex-ops-pre-harden/${s.name}:20200101_000000`;
    await env.docker.getImage(FALKORDB_STANDIN).tag({ repo: lookalike.split(':')[0]!, tag: '20200101_000000' });
    images.push(lookalike);
    const dry = await runProgram(['harden', '--cleanup', '--dry-run', '--json'], { env: s.vars });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ removedImages: [], wouldRemoveImages: [result.oldImage] });
    expect(await env.docker.getImage(result.oldImage).inspect().then(() => true, () => false)).toBe(true);
    const clean = await runProgram(['harden', '--cleanup', '--yes', '--json'], { env: s.vars });
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ removedImages: [result.oldImage], kept: [] });
    expect(await env.docker.getImage(result.oldImage).inspect().then(() => true, () => false)).toBe(false);
    expect(await env.docker.getImage(lookalike).inspect().then(() => true, () => false)).toBe(true);
    expect(await keysAfterCleanup(s.port, password)).toBe(KEYS);
  });

  /** What an older FalkorDB that wrote to /data may have left in the volume: a previous dump.rdb and more. */
  const OLDER_GRAPH = { 'dump.rdb': randomBytes(6000), 'appendonlydir/appendonly.aof.1.incr.aof': randomBytes(2000), 'keep/me.txt': 'operator notes\n' };
  const preRestore = (root: string) => preRestoreCopies(join(root, 'backups'));

  it('an older graph in the /data volume, --keep-old: archived identical before compose recreates the service; --cleanup keeps the committed image', async () => {
    const s = await stack();
    await env.fillVolume(s.volume, OLDER_GRAPH);
    const before = await env.digest(s.volume);
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--keep-old', '--json'], { env: s.vars });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    images.push(result.oldImage);
    const [copy] = preRestore(s.root);
    expect(result).toMatchObject({ status: 'hardened', keys: KEYS, volume: s.volume, volumeCopy: join(s.root, 'backups', copy!) });
    expect(await archiveDigest(result.volumeCopy)).toEqual(withoutModes(before));
    const r = await redis(s.port, parse(readFileSync(join(s.root, '.env'))).GRAPHITI_FALKORDB_PASSWORD!);
    expect(await r.dbsize()).toBe(KEYS);
    r.disconnect();
    // --keep-old: the committed image is recorded; --cleanup names it and leaves it.
    expect(result.nextSteps.join('\n')).toMatch(new RegExp(`kept for good as the image ${result.oldImage} .*docker rmi ${result.oldImage}`));
    const clean = await runProgram(['harden', '--cleanup', '--yes', '--json'], { env: s.vars });
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ removedImages: [], keptOld: [{ image: result.oldImage, removeByHand: `docker rmi ${result.oldImage}` }] });
    expect(await env.docker.getImage(result.oldImage).inspect().then(() => true, () => false)).toBe(true);
  });

  it('an older graph in the /data volume, health timeout: the volume is byte-identical after the undo, its archive kept', async () => {
    const s = await stack(undefined, '--appendonly yes --key-load-delay 20000');
    await env.fillVolume(s.volume, OLDER_GRAPH);
    const before = await env.digest(s.volume);
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--health-timeout', '2'], { env: s.vars });
    const committed = /committed it as (\S+) /.exec(run.stderr)?.[1];
    if (committed) images.push(committed);
    expect(run.stderr).toMatch(/Put the rescued backup into volume/);
    expect(run.stderr).toMatch(/harden failed while starting the new container and checking its data: .*runs again with its data/s);
    expect(run.code).toBe(1);
    expect(await env.digest(s.volume)).toEqual(before);
    const back = await env.docker.getContainer(s.name).inspect();
    expect(back.State.Running).toBe(true);
    expect(back.Mounts.find((m) => m.Name === s.volume)?.Destination).toBe('/data');
    const r = await redisOn(s.port, undefined, 400);
    expect(await r.dbsize()).toBe(KEYS);
    r.disconnect();
    expect(preRestore(s.root)).toHaveLength(1);
  });

  it('Ctrl-C after compose replaced the container: the old one is created again from its image with its 500 keys, files restored, exit 130', async () => {
    const s = await stack();
    const original = readFileSync(join(s.root, 'docker-compose.yml'));
    const before = await engineState(s.project);
    const ac = new AbortController();
    let err = '';
    const runtime = testRuntime({
      env: { ...s.vars, AUTOCODEX_OPS_LOCK_DIR: mkdtempSync(join(tmpdir(), 'aco-locks-')), AUTOCODEX_OPS_AUDIT_LOG: join(s.root, 'audit.jsonl') },
      signal: ac.signal,
      stderr: {
        write: (text: string) => {
          err += text;
          if (/compose created .* putting the rescued backup/.test(text)) ac.abort();
          return true;
        },
        isTTY: false,
      },
    });
    const code = await runCli(['harden', 'falkordb', '--generate-password', '--yes'], runtime);
    const committed = /committed it as (\S+) /.exec(err)?.[1];
    if (committed) images.push(committed);
    expect(err).toMatch(/Interrupted while putting the rescued backup .*runs again with its data/);
    expect(code).toBe(130);
    // compose had removed the old container: it was created again from the committed image, same name, labels and port.
    await expectOldBack(s, original, before);
  });

  /**
   * What a failed harden must leave as it was: the project's containers, and no volume mounted by a
   * container of the attempt. The engine keeps only its last 256 events and other test files run in
   * parallel, so the events are watched live while harden runs.
   */
  const containersOf = async (project: string) =>
    (await env.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } })).map((c) => c.Names.join(',')).sort();

  async function engineState(project: string, onCreate?: () => void) {
    const containers = await containersOf(project);
    const made = new Set<string>();
    const mounted: Array<{ volume: string; container: string }> = [];
    const stream = (await env.docker.getEvents({ filters: { type: ['container', 'volume'], event: ['create', 'mount'] } })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const e = JSON.parse(line) as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } };
        if (e.Type === 'container' && e.Actor.Attributes['com.docker.compose.project'] === project) {
          made.add(e.Actor.ID);
          onCreate?.();
        }
        if (e.Type === 'volume' && e.Action === 'mount') mounted.push({ volume: e.Actor.ID, container: e.Actor.Attributes.container ?? '' });
      }
    });
    /** Volumes mounted by the project's containers meanwhile that still exist, except the named one; stops watching. */
    const leftVolumes = async (named: string): Promise<string[]> => {
      stream.destroy();
      const left: string[] = [];
      for (const v of new Set(mounted.filter((m) => made.has(m.container)).map((m) => m.volume))) {
        if (v !== named && (await env.docker.getVolume(v).inspect().then(() => true, () => false))) left.push(v);
      }
      return left;
    };
    return { containers, made, leftVolumes };
  }

  /** The old container after an undo: running under its name, on /data, the 500 keys in its layer, every file as before. */
  async function expectOldBack(s: Awaited<ReturnType<typeof stack>>, original: Buffer, before: Awaited<ReturnType<typeof engineState>>) {
    const back = await env.docker.getContainer(s.name).inspect();
    expect(back.State.Running).toBe(true);
    expect(back.Config.Labels['com.docker.compose.project']).toBe(s.project);
    expect(back.Mounts.find((m) => m.Name === s.volume)?.Destination).toBe('/data');
    expect(back.HostConfig.PortBindings['6379/tcp']).toEqual([{ HostIp: '', HostPort: String(s.port) }]);
    const r = await redisOn(s.port, undefined, 400);
    expect(await r.dbsize()).toBe(KEYS);
    r.disconnect();
    expect(readFileSync(join(s.root, 'docker-compose.yml'))).toEqual(original);
    expect(readFileSync(join(s.root, '.env'), 'utf8')).toBe(s.dotenv);
    expect(existsSync(join(s.root, 'auto-codex', '.env'))).toBe(false);
    expect(existsSync(join(s.root, '.autocodex-ops', 'harden-journal.json'))).toBe(false);
    // No container or volume of the attempt is left (the old container's replacement carries the old one's name).
    expect(await containersOf(s.project)).toEqual(before.containers);
    expect(await before.leftVolumes(s.volume)).toEqual([]);
  }

  it('the new service never answers in time (its data loads slower than --health-timeout): undone, the old one back with its 500 keys, exit 1', async () => {
    // key-load-delay is a real redis-server option (µs per key while loading): 500 keys take ~10 s to
    // load, as a big graph would, and harden carries it over into the new service's FALKORDB_ARGS.
    const s = await stack(undefined, '--appendonly yes --key-load-delay 20000');
    const original = readFileSync(join(s.root, 'docker-compose.yml'));
    const before = await engineState(s.project);
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--health-timeout', '2'], { env: s.vars });
    expect(before.made.size).toBeGreaterThanOrEqual(2);
    const committed = /committed it as (\S+) /.exec(run.stderr)?.[1];
    if (committed) images.push(committed);
    expect(run.stderr).toMatch(/harden failed while starting the new container and checking its data: FalkorDB did not answer an authenticated PING in time.*runs again with its data/s);
    expect(run.code).toBe(1);
    await expectOldBack(s, original, before);
    // The rescued backup stays, and names what it holds.
    // The old container now runs from the committed image: --cleanup names it and keeps it.
    const clean = await runProgram(['harden', '--cleanup', '--yes', '--json'], { env: s.vars });
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ removedImages: [], kept: [{ image: committed, usedBy: [s.name] }] });
    expect(await env.docker.getImage(committed!).inspect().then(() => true, () => false)).toBe(true);
    const manifest = readdirSync(join(s.root, 'backups')).find((f) => f.endsWith('.manifest.json'));
    expect(JSON.parse(readFileSync(join(s.root, 'backups', manifest!), 'utf8'))).toMatchObject({ source: { rescuedFrom: 'container-layer' }, server: { keys: KEYS } });
  });

  it('SIGINT to the real process once compose has created the new container: undone, the old one back with its 500 keys, exit 130', async () => {
    const s = await stack();
    const original = readFileSync(join(s.root, 'docker-compose.yml'));
    let child: ReturnType<typeof execa> | undefined;
    let sent = false;
    // The engine's create event of the project's new container: compose is in the middle of `up -d`.
    const before = await engineState(s.project, () => {
      if (!sent && child) sent = child.kill('SIGINT');
    });
    child = execa(process.execPath, [bundle, 'harden', 'falkordb', '--generate-password', '--yes'], {
      reject: false,
      env: { ...s.vars, NO_COLOR: '1', AUTOCODEX_OPS_LOCK_DIR: join(s.root, 'locks'), AUTOCODEX_OPS_AUDIT_LOG: join(s.root, 'audit.jsonl') },
    });
    const res = await child;
    const committed = /committed it as (\S+) /.exec(String(res.stderr))?.[1];
    if (committed) images.push(committed);
    expect(sent).toBe(true);
    expect(res.stderr).toMatch(/Interrupted while bringing the service up with compose; .*runs again with its data/);
    expect(res.exitCode, String(res.stderr)).toBe(130);
    // compose's new container (compose 1.29 renames the old one aside first and removes it only after
    // starting the new one: the undo renames it back, or creates it again from the committed image).
    expect(before.made.size).toBeGreaterThanOrEqual(1);
    await expectOldBack(s, original, before);
  });

  it('SIGKILL once the rescue is in compose\'s volume: the next run puts the older graph, the files and the old service back, then hardens', async () => {
    const s = await stack();
    await env.fillVolume(s.volume, OLDER_GRAPH);
    const before = await env.digest(s.volume);
    const original = readFileSync(join(s.root, 'docker-compose.yml'));
    // The real process, killed where nothing can clean up: only the journal is left to the next run.
    const killed = execa(process.execPath, [bundle, 'harden', 'falkordb', '--generate-password', '--yes'], {
      reject: false,
      env: { ...s.vars, NO_COLOR: '1', AUTOCODEX_OPS_LOCK_DIR: join(s.root, 'locks'), AUTOCODEX_OPS_AUDIT_LOG: join(s.root, 'audit.jsonl') },
    });
    let seen = '';
    killed.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/Put the rescued backup into volume/.test(seen)) killed.kill('SIGKILL');
    });
    const k = await killed;
    const committed = /committed it as (\S+) /.exec(seen)?.[1];
    if (committed) images.push(committed);
    expect(k.signal, seen).toBe('SIGKILL');
    const journal = JSON.parse(readFileSync(join(s.root, '.autocodex-ops', 'harden-journal.json'), 'utf8'));
    expect(journal).toMatchObject({ committed: expect.any(String), newId: expect.any(String), volumeCopy: { volume: s.volume, path: expect.stringMatching(/falkordb_pre_restore_/) } });
    // Killed half-way: the compose file edited, the volume holding the rescue instead of the older graph.
    expect(readFileSync(join(s.root, 'docker-compose.yml'))).not.toEqual(original);
    expect(await env.digest(s.volume)).not.toEqual(before);

    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--json'], { env: s.vars });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    images.push(result.oldImage);
    expect(result).toMatchObject({ status: 'hardened', keys: KEYS, undidPrevious: expect.any(String) });
    // This run archived the volume after the undo: the older graph, exactly, was back in it.
    expect(result.volumeCopy).not.toBe(journal.volumeCopy.path);
    expect(await archiveDigest(result.volumeCopy)).toEqual(withoutModes(before));
    expect(preRestore(s.root)).toHaveLength(2);
    const r = await redis(s.port, parse(readFileSync(join(s.root, '.env'))).GRAPHITI_FALKORDB_PASSWORD!);
    expect(await r.dbsize()).toBe(KEYS);
    r.disconnect();
    expect(existsSync(join(s.root, '.autocodex-ops', 'harden-journal.json'))).toBe(false);
  });

  it('a compose file it cannot edit safely: the rescue only, the file named, the container untouched, the steps to finish', async () => {
    const literal = readFileSync(FIXTURE, 'utf8').replace('- FALKORDB_ARGS=${FALKORDB_ARGS:---appendonly yes}', '- FALKORDB_ARGS=--appendonly yes');
    const s = await stack(literal);
    const oldId = (await env.docker.getContainer(s.name).inspect()).Id;
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--json'], { env: s.vars });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'rescued-only', keys: KEYS });
    expect(result.nextSteps.join('\n')).toMatch(/autocodex-ops restore falkordb .*falkordb_data_\d{8}_\d{6}\.tar\.gz --yes/);
    expect(run.stderr).toMatch(/docker-compose\.yml is not one harden can edit safely: .*neither \$\{REDIS_ARGS\} nor \$\{FALKORDB_ARGS\}/);
    const manifest = JSON.parse(readFileSync(`${result.rescuedBackup}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ source: { rescuedFrom: 'container-layer' }, server: { keys: KEYS } });
    const now = await env.docker.getContainer(s.name).inspect();
    expect(now.Id).toBe(oldId);
    expect(now.State.Running).toBe(true);
    expect(readFileSync(join(s.root, 'docker-compose.yml'), 'utf8')).toBe(literal);
    expect(readFileSync(join(s.root, '.env'), 'utf8')).toBe(s.dotenv);
    expect(existsSync(join(s.root, 'docker-compose.yml.bak'))).toBe(false);
  });
});
