import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, archiveDigest, preRestoreCopies, sha256Hex, withoutModes } from '../helpers/docker.js';
import { freePort } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';
import { testRuntime } from '../helpers/runtime.js';
import { runCli } from '../../src/run-cli.js';
import { redisOn } from '../helpers/standin-stack.js';
import { ageKeygen, ageTool } from '../helpers/age-tool.js';
import { writeJournal as writeRestoreJournal } from '../../src/core/backup-store/restore-journal.js';
import { engineKey } from '../../src/core/run/target-lock.js';

// `harden falkordb` on the real engine, against a stand-in started exactly as the Desktop UI starts
// FalkorDB (app-rules.md §6: `docker run -d --name … --restart unless-stopped -p 127.0.0.1:<port>:6379
// -v <volume>:/data -e FALKORDB_ARGS=--appendonly yes <image>`): the server writes to
// /var/lib/falkordb/data in the container's layer, the volume on /data receives nothing.

const KEYS = 500;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ROOT_ENV = '# Auto-Codex root .env\r\nFALKORDB_IMAGE_TAG=autocodex-ops-standin\r\n\r\n# memory\r\nGRAPHITI_ENABLED=true\r\n';

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('harden falkordb on the real engine', () => {
  const env = new DockerTestEnv();
  const names: string[] = [];
  const roots: string[] = [];

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
  });
  afterAll(async () => {
    // The containers harden creates carry no test label: remove them by name first (they hold the volumes).
    for (const name of names) await env.docker.getContainer(name).remove({ force: true, v: true }).catch(() => undefined);
    await env.cleanup();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  const waitPing = (port: number, password?: string): Promise<Redis> => redisOn(port, password);

  async function uiRun(o: { name: string; volume: string; port: number; image?: string; mountAt?: string; args?: string[] }) {
    const c = await env.docker.createContainer({
      name: o.name,
      Image: o.image ?? FALKORDB_STANDIN,
      Env: o.args ?? ['FALKORDB_ARGS=--appendonly yes'],
      Labels: env.label,
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: {
        RestartPolicy: { Name: 'unless-stopped' },
        PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(o.port) }] },
        Mounts: [{ Type: 'volume', Source: o.volume, Target: o.mountAt ?? '/data' }],
      },
    });
    await c.start();
    return c;
  }

  /** A UI-started trap container with KEYS keys, and a root with auto-codex/ and a CRLF root .env. */
  async function trap(image?: string, args?: string[]) {
    const name = env.uniqueName('falkordb');
    names.push(name);
    const volume = await env.createVolume();
    const port = await freePort();
    await uiRun({ name, volume, port, image, args });
    const r = await waitPing(port);
    const pipe = r.pipeline();
    for (let i = 0; i < KEYS; i++) pipe.set(`key:${i}`, `value-${i}`);
    await pipe.exec();
    r.disconnect();
    const root = mkdtempSync(join(tmpdir(), 'aco-harden-'));
    roots.push(root);
    mkdirSync(join(root, 'auto-codex'));
    writeFileSync(join(root, '.env'), ROOT_ENV);
    const vars = {
      AUTO_CODEX_ROOT: root,
      COMPOSE_PROJECT_NAME: env.uniqueName('proj'),
      FALKORDB_CONTAINER_NAME: name,
      FALKORDB_VOLUME: volume,
      GRAPHITI_FALKORDB_HOST: '127.0.0.1',
      GRAPHITI_FALKORDB_PORT: String(port),
      RESTORE_HEALTH_TIMEOUT_SECS: '30',
    };
    return { name, volume, port, root, vars };
  }

  const inspect = (name: string) => env.docker.getContainer(name).inspect();
  const passwordOf = (root: string) => parse(readFileSync(join(root, '.env'))).GRAPHITI_FALKORDB_PASSWORD!;

  async function keysOf(port: number, password?: string): Promise<number> {
    const r = await waitPing(port, password);
    try {
      return await r.dbsize();
    } finally {
      r.disconnect();
    }
  }

  async function expectOldBack(t: Awaited<ReturnType<typeof trap>>, oldId: string) {
    const c = await inspect(t.name);
    expect(c.Id).toBe(oldId);
    expect(c.State.Running).toBe(true);
    expect(await keysOf(t.port)).toBe(KEYS);
    expect(readFileSync(join(t.root, '.env'), 'latin1')).toBe(ROOT_ENV);
    expect(existsSync(join(t.root, 'auto-codex', '.env'))).toBe(false);
    expect(existsSync(join(t.root, '.autocodex-ops', 'harden-journal.json'))).toBe(false);
  }

  it('rescues 500 keys out of the layer of a UI-started container, recreates it hardened, and the data survives a fresh container', async () => {
    const t = await trap();
    const oldId = (await inspect(t.name)).Id;

    const dry = await runProgram(['harden', 'falkordb', '--dry-run', '--generate-password'], { env: t.vars });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/the server writes to \/var\/lib\/falkordb\/data, where no volume is mounted/);
    expect(dry.stdout).toMatch(/Dry run: nothing was changed/);
    expect((await inspect(t.name)).Id).toBe(oldId);
    expect(existsSync(join(t.root, 'backups'))).toBe(false);

    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: t.vars });
    expect(run.stderr + run.stdout).toMatch(/Hardened/);
    expect(run.code).toBe(0);
    const password = passwordOf(t.root);
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(run.stdout + run.stderr).not.toContain(password);
    // Both files the stack reads hold the password; the root .env kept every other byte, its old bytes in .bak.
    expect(parse(readFileSync(join(t.root, 'auto-codex', '.env'))).GRAPHITI_FALKORDB_PASSWORD).toBe(password);
    expect(readFileSync(join(t.root, '.env.bak'), 'latin1')).toBe(ROOT_ENV);
    expect(readFileSync(join(t.root, '.env'), 'latin1')).toBe(`${ROOT_ENV}GRAPHITI_FALKORDB_PASSWORD=${password}\r\n`);

    const fresh = await inspect(t.name);
    expect(fresh.Id).not.toBe(oldId);
    // (The image's own `VOLUME /data` gives it an anonymous volume there too, as it gives the UI's container.)
    expect(fresh.Mounts.filter((m) => m.Destination !== '/data')).toEqual([expect.objectContaining({ Type: 'volume', Name: t.volume, Destination: '/var/lib/falkordb/data' })]);
    expect(fresh.HostConfig.PortBindings).toEqual({ '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(t.port) }] });
    expect(fresh.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(await keysOf(t.port, password)).toBe(KEYS);
    const anon = new Redis({ host: '127.0.0.1', port: t.port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    anon.on('error', () => undefined);
    await anon.connect();
    expect(String(await anon.ping().catch((e: Error) => e))).toMatch(/NOAUTH/);
    anon.disconnect();
    const r = await waitPing(t.port, password);
    expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    r.disconnect();
    // The old container is the way back: stopped, renamed, its data still in its layer.
    const old = await inspect(oldId);
    expect(old.Name).toMatch(new RegExp(`^/${t.name}-pre-harden-\\d{8}_\\d{6}$`));
    expect(old.State.Running).toBe(false);
    // The rescued backup is a normal one, and says where it came from.
    const manifests = (await import('node:fs')).readdirSync(join(t.root, 'backups')).filter((f) => f.endsWith('.manifest.json'));
    expect(manifests).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(t.root, 'backups', manifests[0]!), 'utf8'));
    expect(manifest).toMatchObject({ kind: 'falkordb', source: { rescuedFrom: 'container-layer', path: '/var/lib/falkordb/data' }, server: { keys: KEYS } });

    // The healthcheck agrees: the data is where the server writes, auth is on and matches, AOF on, loopback.
    const health = await runProgram(['healthcheck', '--json', '--only', 'falkordb-data-mount,falkordb-auth,falkordb-appendonly,falkordb-exposure'], { env: { ...t.vars, GRAPHITI_ENABLED: 'true' } });
    expect(JSON.parse(health.stdout).checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)).toEqual([
      'falkordb-auth:ok',
      'falkordb-appendonly:ok',
      'falkordb-data-mount:ok',
      'falkordb-exposure:ok',
    ]);

    // The proof: the container removed and created again as the UI would, on the same volume, still has the keys.
    await env.docker.getContainer(t.name).remove({ force: true, v: true });
    await uiRun({ name: t.name, volume: t.volume, port: t.port, mountAt: '/var/lib/falkordb/data', args: [`REDIS_ARGS=--appendonly yes --requirepass ${password}`] });
    expect(await keysOf(t.port, password)).toBe(KEYS);

    // A second run changes nothing.
    const again = await runProgram(['harden', 'falkordb', '--yes'], { env: { ...t.vars, GRAPHITI_FALKORDB_PASSWORD: password } });
    expect(again.stdout).toMatch(/already hardened; nothing changed/);
    expect(again.code).toBe(0);

    const cleanup = await runProgram(['harden', '--cleanup', '--yes'], { env: t.vars });
    expect(cleanup.code).toBe(0);
    expect(await inspect(oldId).catch(() => undefined)).toBeUndefined();
  });

  it('a server that ran without AOF: its dump.rdb becomes the base of the new AOF, the 500 keys load', async () => {
    const t = await trap(undefined, ['FALKORDB_ARGS=--appendonly no']);
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: t.vars });
    expect(run.code, run.stderr).toBe(0);
    const password = passwordOf(t.root);
    expect(await keysOf(t.port, password)).toBe(KEYS);
    // And it stays loaded across a restart: the AOF now holds it.
    await env.docker.getContainer(t.name).restart();
    expect(await keysOf(t.port, password)).toBe(KEYS);
  });

  it('new server does not come up (health timeout): the old container runs again with its 500 keys, files restored, exit 1', async () => {
    const t = await trap();
    const oldId = (await inspect(t.name)).Id;
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], {
      env: { ...t.vars, RESTORE_HEALTH_TIMEOUT_SECS: '3', FALKORDB_ARGS: '--appendonly yes --loglevel no-such-level' },
    });
    expect(run.stderr).toMatch(/harden failed while starting the new container and checking its data: .*runs again with its data/);
    expect(run.code).toBe(1);
    await expectOldBack(t, oldId);
    expect(existsSync(join(t.root, '.env.bak'))).toBe(true);
  });

  it('Ctrl-C after the rename: the old container runs again with its 500 keys, files restored, exit 130', async () => {
    const t = await trap();
    const oldId = (await inspect(t.name)).Id;
    const ac = new AbortController();
    let err = '';
    const runtime = testRuntime({
      env: { ...t.vars, AUTOCODEX_OPS_LOCK_DIR: mkdtempSync(join(tmpdir(), 'aco-locks-')), AUTOCODEX_OPS_AUDIT_LOG: join(t.root, 'audit.jsonl') },
      signal: ac.signal,
      stderr: {
        write: (s: string) => {
          err += s;
          if (/GRAPHITI_FALKORDB_PASSWORD in/.test(s)) ac.abort();
          return true;
        },
        isTTY: false,
      },
    });
    const code = await runCli(['harden', 'falkordb', '--generate-password', '--yes'], runtime);
    expect(err).toMatch(/Interrupted while .*runs again with its data/);
    expect(code).toBe(130);
    await expectOldBack(t, oldId);
  });

  describe('in a setup that encrypts backups with age (issue 21)', () => {
    /** An offline recipient (the key kept elsewhere) and the identity on this machine. */
    function ageSetup(root: string) {
      const keys = mkdtempSync(join(tmpdir(), 'aco-harden-age-'));
      roots.push(keys);
      const offline = ageKeygen(keys, 'offline.txt');
      const here = ageKeygen(keys, 'here.txt');
      return { offline, here, vars: { AUTOCODEX_OPS_AGE_RECIPIENTS: offline.recipient, AUTOCODEX_OPS_AGE_IDENTITY: here.file, BACKUP_DIR: join(root, 'backups') } };
    }
    const rescued = (root: string) => readdirSync(join(root, 'backups')).filter((f) => /^falkordb_data_\d{8}_\d{6}\.tar\.gz\.age$/.test(f));

    it('the rescue is encrypted, its key count checked against the live server, and the 500 keys reach the new server', async () => {
      const t = await trap();
      const age = ageSetup(t.root);
      const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--json'], { env: { ...t.vars, ...age.vars } });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'hardened', keys: KEYS });
      const [archive] = rescued(t.root);
      expect(archive).toBeDefined();
      expect(readdirSync(join(t.root, 'backups')).filter((f) => /\.tar\.gz$/.test(f))).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(t.root, 'backups', `${archive}.manifest.json`), 'utf8'));
      expect(manifest).toMatchObject({ encrypted: true, source: { rescuedFrom: 'container-layer' }, server: { keys: KEYS } });
      expect(manifest.encryption.recipients).toEqual(expect.arrayContaining([age.offline.recipient, age.here.recipient]));
      // The reference age opens it with the offline key alone.
      const plain = ageTool(['-d', '-i', age.offline.file, join(t.root, 'backups', archive!)]);
      expect(plain.status, plain.stderr).toBe(0);
      expect(execFileSync('tar', ['-tz'], { input: plain.stdout }).toString()).toMatch(/appendonlydir\//);
      expect(await keysOf(t.port, passwordOf(t.root))).toBe(KEYS);
    });

    it('writes during the rescue: the encrypted rescue does not match the live server, exit 1, the container and files untouched, the rescue kept', async () => {
      const t = await trap();
      const age = ageSetup(t.root);
      const oldId = (await inspect(t.name)).Id;
      // A client that keeps writing new keys, as the app would if left running.
      const writer = await waitPing(t.port);
      let writing = true;
      const writes = (async () => {
        for (let i = 0; writing; i++) await writer.set(`during:${i}`, 'x').catch(() => undefined);
      })();
      const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: { ...t.vars, ...age.vars } });
      writing = false;
      await writes;
      await writer.del(...(await writer.keys('during:*')));
      writer.disconnect();
      expect(run.stderr).toMatch(/The rescued backup \S+\.tar\.gz\.age holds \d+ keys, the live server \d+: it is kept, but nothing else was changed/);
      expect(run.code).toBe(1);
      await expectOldBack(t, oldId);
      expect(rescued(t.root)).toHaveLength(1);
    });

    it('recipients set but no identity to read the rescue back: exit 10 before anything changes', async () => {
      const t = await trap();
      const age = ageSetup(t.root);
      const oldId = (await inspect(t.name)).Id;
      const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: { ...t.vars, AUTOCODEX_OPS_AGE_RECIPIENTS: age.vars.AUTOCODEX_OPS_AGE_RECIPIENTS } });
      expect(run.stderr).toMatch(/no AUTOCODEX_OPS_AGE_IDENTITY is set.*Nothing was changed/);
      expect(run.code).toBe(10);
      await expectOldBack(t, oldId);
      expect(existsSync(join(t.root, 'backups'))).toBe(false);
    });
  });

  it('the running tag was pulled or built again since the container started: exit 10 before anything changes, naming both images', async () => {
    const tag = `falkordb/falkordb:harden-moved-${env.runId}`;
    await env.docker.getImage(FALKORDB_STANDIN).tag({ repo: 'falkordb/falkordb', tag: tag.split(':')[1]! });
    const t = await trap(tag);
    const oldId = (await inspect(t.name)).Id;
    // Another image under the same tag (a later pull): a commit of the running container is one.
    await env.docker.getContainer(t.name).commit({ repo: 'falkordb/falkordb', tag: tag.split(':')[1]!, changes: [`LABEL ${Object.keys(env.label)[0]}=${Object.values(env.label)[0]}`] });
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: t.vars });
    expect(run.stderr).toMatch(new RegExp(`${tag} now names the image sha256:\\w+, but ${t.name} runs sha256:\\w+: .*Nothing was changed`));
    expect(run.stderr).toMatch(/docker tag sha256:\w+ falkordb\/falkordb:harden-moved/);
    expect(run.code).toBe(10);
    await expectOldBack(t, oldId);
    expect(existsSync(join(t.root, 'backups'))).toBe(false);
    await env.docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  });

  /** What an older FalkorDB that wrote to /data may have left in the volume: a graph and more. */
  const OLDER_GRAPH = {
    'dump.rdb': randomBytes(8192),
    'appendonlydir/appendonly.aof.1.base.rdb': randomBytes(3000),
    'appendonlydir/appendonly.aof.manifest': 'file appendonly.aof.1.base.rdb seq 1 type b\n',
    'notes/.hidden': 'an operator kept this here\n',
  };

  const preRestore = (root: string) => preRestoreCopies(join(root, 'backups'));

  it('the volume on /data holds an older graph: archived (verified, identical) before anything changes, named in the plan and result; --keep-old survives --cleanup', async () => {
    const t = await trap();
    await env.fillVolume(t.volume, OLDER_GRAPH);
    const before = await env.digest(t.volume);
    expect(before.join('\n')).toMatch(/F \.\/dump\.rdb/);

    const dry = await runProgram(['harden', 'falkordb', '--generate-password', '--keep-old', '--dry-run'], { env: t.vars });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/rename it to \S+-pre-harden-\d{8}_\d{6} \(the way back; kept for good, --keep-old: recorded so that `harden --cleanup` leaves it\)/);
    expect(dry.stdout).toMatch(new RegExp(`archive the current content of volume ${t.volume} \\(\\d+ bytes; .*\\) into ${t.root}/backups/falkordb_pre_restore_\\d{8}_\\d{6}\\.tar\\.gz, read back and verified, before anything changes; harden replaces that content, and any failure or Ctrl-C puts it back`));
    expect(dry.stdout).not.toMatch(/warning:/);
    const dryJson = await runProgram(['harden', 'falkordb', '--generate-password', '--dry-run', '--json'], { env: t.vars });
    expect(JSON.parse(dryJson.stdout).plan.volumeCopy).toMatchObject({ volume: t.volume, bytes: expect.any(Number), path: expect.stringMatching(/falkordb_pre_restore_\d{8}_\d{6}\.tar\.gz$/) });
    expect(preRestore(t.root)).toEqual([]);
    expect(await env.digest(t.volume)).toEqual(before);

    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes', '--keep-old', '--json'], { env: t.vars });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    const [copy] = preRestore(t.root);
    expect(copy).toBeDefined();
    expect(result).toMatchObject({ status: 'hardened', keys: KEYS, volumeCopy: join(t.root, 'backups', copy!) });
    // The archive holds exactly what the volume held, verified like every backup, and listed as a pre-restore copy.
    expect(await archiveDigest(join(t.root, 'backups', copy!))).toEqual(withoutModes(before));
    const sum = readFileSync(join(t.root, 'backups', `${copy}.sha256`), 'utf8').split(/\s+/)[0];
    expect(sum).toBe(sha256Hex(readFileSync(join(t.root, 'backups', copy!))));
    expect(JSON.parse(readFileSync(join(t.root, 'backups', `${copy}.manifest.json`), 'utf8'))).toMatchObject({ kind: 'falkordb-pre-restore', source: { volume: t.volume } });
    const list = await runProgram(['backup', 'list', '--kind', 'pre-restore', '--json'], { env: t.vars });
    expect(list.stdout).toContain(copy!);
    expect(await keysOf(t.port, passwordOf(t.root))).toBe(KEYS);

    // --keep-old: recorded, so --cleanup leaves the old container and says how to remove it by hand.
    const oldName = result.oldContainer as string;
    expect(result.nextSteps.join('\n')).toMatch(new RegExp(`kept for good as the stopped container ${oldName} .*harden --cleanup\` leaves it.*docker rm ${oldName}`));
    const cleanup = await runProgram(['harden', '--cleanup', '--yes'], { env: t.vars });
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toMatch(new RegExp(`Kept the container ${oldName}: harden falkordb --keep-old kept it .*to remove it by hand: docker rm ${oldName}`));
    expect((await inspect(oldName)).State.Running).toBe(false);
    names.push(oldName);
  });

  it('a failed harden (health timeout) leaves the older graph on /data byte-identical, and keeps its archive', async () => {
    const t = await trap();
    await env.fillVolume(t.volume, OLDER_GRAPH);
    const before = await env.digest(t.volume);
    const oldId = (await inspect(t.name)).Id;
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], {
      env: { ...t.vars, RESTORE_HEALTH_TIMEOUT_SECS: '3', FALKORDB_ARGS: '--appendonly yes --loglevel no-such-level' },
    });
    expect(run.stderr).toMatch(/Put the rescued backup into volume/);
    expect(run.stderr).toMatch(/harden failed while starting the new container and checking its data: .*runs again with its data/);
    expect(run.code).toBe(1);
    await expectOldBack(t, oldId);
    expect(await env.digest(t.volume)).toEqual(before);
    expect(preRestore(t.root)).toHaveLength(1);
  });

  describe('SIGKILL after the volume was replaced', () => {
    let bundle: string;
    beforeAll(async () => {
      // The built bundle in a child process: SIGKILL must hit a real process, leaving only the journal.
      const out = mkdtempSync(join(tmpdir(), 'aco-bundle-'));
      roots.push(out);
      await execa(process.execPath, [join(REPO, 'scripts/build.mjs'), '--bundle-only', '--out', out], { cwd: REPO });
      bundle = join(out, 'cli.cjs');
    });

    it('the next run puts the older graph back into the volume before it hardens again', async () => {
      const t = await trap();
      await env.fillVolume(t.volume, OLDER_GRAPH);
      const before = await env.digest(t.volume);
      const vars = { ...t.vars, NO_COLOR: '1', AUTOCODEX_OPS_LOCK_DIR: join(t.root, 'locks'), AUTOCODEX_OPS_AUDIT_LOG: join(t.root, 'audit.jsonl') };
      const killed = execa(process.execPath, [bundle, 'harden', 'falkordb', '--generate-password', '--yes'], { reject: false, env: vars });
      // The whole stderr so far: a chunk may end in the middle of the line.
      let seen = '';
      killed.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/Put the rescued backup into volume/.test(seen)) killed.kill('SIGKILL');
      });
      const k = await killed;
      expect(k.signal, String(k.stderr)).toBe('SIGKILL');
      const journal = JSON.parse(readFileSync(join(t.root, '.autocodex-ops', 'harden-journal.json'), 'utf8'));
      expect(journal.volumeCopy).toMatchObject({ volume: t.volume, path: expect.stringMatching(/falkordb_pre_restore_/) });
      // The volume now holds the rescue, not the older graph.
      expect(await env.digest(t.volume)).not.toEqual(before);

      const run = await runProgram(['harden', 'falkordb', '--yes', '--json'], { env: t.vars });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ status: 'hardened', keys: KEYS, undidPrevious: expect.any(String) });
      // This run archived the volume after the undo: the older graph, exactly, was back in it.
      expect(result.volumeCopy).not.toBe(journal.volumeCopy.path);
      expect(await archiveDigest(result.volumeCopy)).toEqual(withoutModes(before));
      expect(preRestore(t.root)).toHaveLength(2);
      names.push(result.oldContainer);
    });
  });

  it('an empty volume on /data (the image\'s own bytes only): no archive, nothing in the plan about it', async () => {
    const clean = await trap();
    const quiet = await runProgram(['harden', 'falkordb', '--generate-password', '--dry-run', '--json'], { env: clean.vars });
    expect(JSON.parse(quiet.stdout).plan.volumeCopy).toBeUndefined();
    expect(JSON.parse(quiet.stdout).plan.steps.join('\n')).not.toMatch(/archive the current content/);
  });

  it('image of the running container gone: exit 10 before anything changes', async () => {
    const tag = `falkordb/falkordb:harden-gone-${env.runId}`;
    await env.docker.getImage(FALKORDB_STANDIN).tag({ repo: 'falkordb/falkordb', tag: tag.split(':')[1] });
    const t = await trap(tag);
    await env.docker.getImage(tag).remove();
    const oldId = (await inspect(t.name)).Id;
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: t.vars });
    expect(run.stderr).toMatch(/is not on this machine any more.*Nothing was changed/);
    expect(run.code).toBe(10);
    await expectOldBack(t, oldId);
    expect(existsSync(join(t.root, 'backups'))).toBe(false);
  });
  it('an interrupted restore marks the volume: exit 1 naming it and how to finish, before anything changes', async () => {
    const t = await trap();
    const oldId = (await inspect(t.name)).Id;
    const state = mkdtempSync(join(tmpdir(), 'aco-harden-state-'));
    roots.push(state);
    const place = { dir: state, engine: engineKey({}) };
    await writeRestoreJournal(place, {
      version: 1, command: 'restore falkordb', volume: t.volume, engine: place.engine,
      archive: { path: join(t.root, 'a.tar.gz'), sha256: 'a'.repeat(64) }, safetyCopy: { path: join(t.root, 'falkordb_pre_restore_20260101_000000.tar.gz'), sha256: 'b'.repeat(64) },
      helperImage: FALKORDB_STANDIN, wereRunning: [t.name], toStart: [t.name], step: 'extracting',
      startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), host: 'host', pid: 1,
    });
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: { ...t.vars, AUTOCODEX_OPS_STATE_DIR: state } });
    expect(run.stderr).toMatch(new RegExp(`Refusing to harden: .*${t.volume}.*Nothing was changed`));
    expect(run.stderr).toMatch(/restore falkordb --(resume|undo)/);
    expect(run.code).toBe(1);
    await expectOldBack(t, oldId);
    expect(existsSync(join(t.root, 'backups'))).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('as root, a backup folder another user owns: exit 2 naming it, before anything changes', async () => {
    const t = await trap();
    const oldId = (await inspect(t.name)).Id;
    const theirs = join(t.root, 'theirs');
    mkdirSync(theirs);
    chownSync(theirs, 65534, 65534);
    const run = await runProgram(['harden', 'falkordb', '--generate-password', '--yes'], { env: { ...t.vars, BACKUP_DIR: theirs } });
    expect(run.stderr).toContain(`Refusing to write as root into the backup folder ${theirs}`);
    expect(run.code).toBe(2);
    await expectOldBack(t, oldId);
    expect(readdirSync(theirs)).toEqual([]);
  });
});
