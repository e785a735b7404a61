import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, PrerequisiteError } from '../../src/core/errors.js';
import { createDockerApi, type DockerApi } from '../../src/core/docker/docker.js';
import { HELPER_LABEL } from '../../src/core/docker/helper-container.js';
import { armWipe, exportVolume, importVolume, wipeVolume, type VolumeStreamOptions } from '../../src/core/docker/volume-stream.js';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, sha256Hex, tarEntries, type TreeEntry, dockerInputs } from '../helpers/docker.js';

// Volume content in and out through helper containers on the real engine, with the stand-in
// FalkorDB image as the helper image: byte-identical round trip, dotfiles, wipe, missing volumes
// never created, helpers (and their anonymous volumes) always removed, nothing pulled.

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('volume streams on a real engine', () => {
  const env = new DockerTestEnv();
  let api: DockerApi;
  let source: string;
  let imagesBefore: string[];
  /** Anonymous volumes of every helper removed, to prove they go too. */
  const helperAnonymousVolumes: string[] = [];
  const random = randomBytes(5 * 1024 * 1024);
  const tree: Record<string, TreeEntry> = {
    'dump.rdb': random,
    '.hidden': 'dotfile\n',
    '..weird': 'two dots\n',
    '.config/settings.json': '{"a":1}\n',
    'appendonlydir/appendonly.aof.1.base.rdb': 'base',
    'appendonlydir/appendonly.aof.manifest': 'file appendonly.aof.1.base.rdb seq 1 type b\n',
    'a/b/c/deep.txt': 'deep\n',
    'name with spaces.txt': 'spaces\n',
    'empty-dir': null,
    'link-to-dump': { link: 'dump.rdb' },
  };
  const opts = (volume: string, extra: Partial<VolumeStreamOptions> = {}): VolumeStreamOptions => ({
    volume,
    helperImages: [undefined, 'autocodex-ops-test/absent:none', FALKORDB_STANDIN],
    labels: env.label,
    ...extra,
  });

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    imagesBefore = (await env.docker.listImages()).map((i) => i.Id).sort();
    const real = await createDockerApi({ inputs: dockerInputs({}) });
    // Record each helper's anonymous volumes just before it is removed.
    const removeContainer = async (id: string, o?: { force?: boolean; anonymousVolumes?: boolean }) => {
      const info = await env.docker.getContainer(id).inspect().catch(() => undefined);
      for (const m of info?.Mounts ?? []) if (m.Type === 'volume' && m.Name && m.Destination === '/data') helperAnonymousVolumes.push(m.Name);
      return real.removeContainer(id, o);
    };
    api = new Proxy(real, {
      get: (target, prop) => {
        if (prop === 'removeContainer') return removeContainer;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    source = await env.createVolume('source');
    await env.fillVolume(source, tree);
  });

  afterAll(async () => {
    await env.cleanup();
  });

  /** Reads an export with `read`, then waits for its helper's removal, which starts after the last byte. */
  async function exported<T>(o: VolumeStreamOptions, read: (stream: Readable) => Promise<T>): Promise<T> {
    const stream = await exportVolume(api, o);
    const result = await read(stream);
    await stream.helperRemoved();
    return result;
  }

  it('exports ./-relative entries, dotfiles included, with the right content', async () => {
    const entries = await exported(opts(source), tarEntries);
    expect(entries.get('./dump.rdb')?.sha256).toBe(sha256Hex(random));
    expect(entries.get('./.hidden')?.sha256).toBe(sha256Hex('dotfile\n'));
    expect(entries.get('./..weird')?.sha256).toBe(sha256Hex('two dots\n'));
    expect(entries.get('./a/b/c/deep.txt')?.sha256).toBe(sha256Hex('deep\n'));
    expect(entries.get('./empty-dir/')?.type).toBe('Directory');
    expect(entries.get('./link-to-dump')).toMatchObject({ type: 'SymbolicLink', linkpath: 'dump.rdb' });
    expect([...entries.keys()].every((p) => p.startsWith('./'))).toBe(true);
    expect(await env.containersLabelled(`${HELPER_LABEL}=1`)).toEqual([]);
  });

  it('imports into a fresh volume byte-identical (busybox sha256 of every file, and a second export)', async () => {
    const target = await env.createVolume('target');
    const tarball = await exported(opts(source), buffer);
    await importVolume(api, { ...opts(target), tar: Readable.from([tarball]) });
    const [want, got] = await Promise.all([env.digest(source), env.digest(target)]);
    expect(got).toEqual(want);
    expect(want).toContain(`F ./dump.rdb ${sha256Hex(random)} 644`);
    expect(want).toContain('F ./.hidden ' + sha256Hex('dotfile\n') + ' 644');
    const again = await exported(opts(target), tarEntries);
    const first = await exported(opts(source), tarEntries);
    expect(Object.fromEntries(again)).toEqual(Object.fromEntries(first));
  });

  it('imports a gzip-compressed tar as well (what the original scripts wrote)', async () => {
    const target = await env.createVolume('gz');
    const gz = gzipSync(await exported(opts(source), buffer));
    await importVolume(api, { ...opts(target), tar: Readable.from([gz]) });
    expect(await env.digest(target)).toEqual(await env.digest(source));
  });

  it('wipes everything, dotfiles and ..names included, and keeps the volume', async () => {
    const target = await env.createVolume('wipe');
    await exported(opts(source), (tar) => importVolume(api, { ...opts(target), tar }));
    expect((await env.digest(target)).length).toBeGreaterThan(5);
    await wipeVolume(api, opts(target));
    expect(await env.runInVolume(target, 'ls -A /v | wc -l')).toMatchObject({ code: 0, output: '0\n' });
    expect(await env.volumeExists(target)).toBe(true);
    const entries = await tarEntries(await exportVolume(api, opts(target)));
    expect([...entries.keys()]).toEqual(['./']);
  });

  it('an armed wipe helper waits touching nothing, wipes on go, and is gone after cancel', async () => {
    const target = await env.createVolume('armed');
    await exported(opts(source), (tar) => importVolume(api, { ...opts(target), tar }));
    const before = await env.digest(target);
    const cancelled = await armWipe(api, opts(target));
    await new Promise((r) => setTimeout(r, 300)); // it is running and waiting by now
    expect(await env.digest(target)).toEqual(before);
    await cancelled.cancel();
    expect(await env.digest(target)).toEqual(before);
    const armed = await armWipe(api, opts(target));
    await armed.go();
    expect(await env.runInVolume(target, 'ls -A /v | wc -l')).toMatchObject({ code: 0, output: '0\n' });
    // Only this volume's helpers: other test files run helpers on the same engine at the same time.
    expect(await env.docker.listContainers({ all: true, filters: { label: [`${HELPER_LABEL}=1`], volume: [target] } })).toEqual([]);
  });

  it('an armed wipe helper whose owner dies (stdin closed, no word) exits 3 and wipes nothing', async () => {
    const target = await env.createVolume('orphan');
    await exported(opts(source), (tar) => importVolume(api, { ...opts(target), tar }));
    const before = await env.digest(target);
    // Keep the attach stream so the test can drop it the way a killed process would.
    let stdin: import('node:stream').Writable | undefined;
    const spy = new Proxy(api, {
      get: (t, prop) =>
        prop === 'attachStdin'
          ? async (id: string, o?: object) => (stdin = await t.attachStdin(id, o))
          : (Reflect.get(t, prop, t) as (...a: unknown[]) => unknown).bind(t),
    });
    const armed = await armWipe(spy, opts(target));
    const [helper] = await env.docker.listContainers({ filters: { label: [`${HELPER_LABEL}.purpose=wipe`], volume: [target] } });
    stdin!.destroy();
    const exit = (await env.docker.getContainer(helper!.Id).wait()) as { StatusCode: number };
    expect(exit.StatusCode).toBe(3);
    expect(await env.digest(target)).toEqual(before);
    await armed.cancel();
  });

  it('reports a missing volume for export, import and wipe, and never creates it', async () => {
    const missing = env.uniqueName('missing');
    for (const attempt of [
      () => exportVolume(api, opts(missing)),
      () => importVolume(api, { ...opts(missing), tar: Readable.from([Buffer.alloc(1024)]) }),
      () => wipeVolume(api, opts(missing)),
    ]) {
      const error = (await attempt().catch((e: unknown) => e)) as PrerequisiteError;
      expect(error).toBeInstanceOf(PrerequisiteError);
      expect(error.message).toBe(`Docker volume ${missing} does not exist`);
    }
    expect(await env.volumeExists(missing)).toBe(false);
  });

  it('fails with PrerequisiteError when no helper image is present, without pulling', async () => {
    const error = (await exportVolume(api, opts(source, { helperImages: ['autocodex-ops-test/absent:none'] })).catch((e: unknown) => e)) as PrerequisiteError;
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect(error.message).toContain('autocodex-ops-test/absent:none');
  });

  it('an abort mid-export destroys the stream with InterruptedError and removes the helper', async () => {
    const controller = new AbortController();
    const stream = await exportVolume(api, opts(source, { signal: controller.signal }));
    const seen = new Promise<unknown>((resolve) => {
      stream.once('data', () => controller.abort());
      stream.on('error', resolve);
    });
    expect(await seen).toBeInstanceOf(InterruptedError);
    await expect.poll(() => env.containersLabelled(`${HELPER_LABEL}=1`), { timeout: 10_000 }).toEqual([]);
  });

  it('an abort during import rejects with InterruptedError and removes the helper', async () => {
    const target = await env.createVolume('abort-import');
    const controller = new AbortController();
    let sent = 0;
    const slow = new Readable({
      read() {
        sent += 1;
        if (sent === 3) controller.abort();
        setTimeout(() => this.push(Buffer.alloc(512)), 20);
      },
    });
    await expect(importVolume(api, { ...opts(target, { signal: controller.signal }), tar: slow })).rejects.toBeInstanceOf(InterruptedError);
    expect(await env.containersLabelled(`${HELPER_LABEL}=1`)).toEqual([]);
  });

  it('left no helper container, no helper anonymous volume, and pulled nothing', async () => {
    expect(await env.containersLabelled(`${HELPER_LABEL}=1`)).toEqual([]);
    expect(helperAnonymousVolumes.length).toBeGreaterThan(0);
    for (const name of helperAnonymousVolumes) expect(await env.volumeExists(name)).toBe(false);
    expect((await env.docker.listImages()).map((i) => i.Id).sort()).toEqual(imagesBefore);
  });
});
