import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { InterruptedError, OpsError, PrerequisiteError, UsageError } from '../../../../src/core/errors.js';
import type { HelperContainerSpec } from '../../../../src/core/docker/docker.js';
import { HELPER_LABEL, HELPER_MOUNT, resolveHelperImage } from '../../../../src/core/docker/helper-container.js';
import { armWipe, exportVolume, importVolume, wipeVolume } from '../../../../src/core/docker/volume-stream.js';
import { FakeDocker, tarOf, untar } from '../../../helpers/fake-docker.js';

const DATA = { 'dump.rdb': 'RDB-BYTES', '.hidden': 'dot', 'appendonlydir/a.aof': 'SET k v' };
const seeded = (helperExitCode = 0) =>
  new FakeDocker({
    volumes: [{ name: 'data', files: DATA }],
    images: ['falkordb/falkordb:v4', 'alpine:3.20'],
    helperExitCode,
  });
const base = { volume: 'data', helperImages: ['falkordb/falkordb:v4'] };
const specOf = (docker: FakeDocker) => docker.callsTo('createContainer')[0]?.[0] as HelperContainerSpec;

describe('resolveHelperImage', () => {
  it('returns the first candidate present locally and never pulls', async () => {
    const docker = seeded();
    expect(await resolveHelperImage(docker, [undefined, 'sha256:gone', 'alpine:3.20', 'falkordb/falkordb:v4'])).toBe('alpine:3.20');
    await expect(resolveHelperImage(docker, ['busybox:latest', ''])).rejects.toMatchObject({
      exitCode: 10,
      message: 'None of the helper images is present locally: busybox:latest',
    });
    await expect(resolveHelperImage(docker, [])).rejects.toBeInstanceOf(PrerequisiteError);
  });
});

describe('exportVolume', () => {
  it('streams the archive of <mount>/. from a created, never started, labelled helper, and removes it once the stream ended', async () => {
    const docker = seeded();
    const stream = await exportVolume(docker, { ...base, labels: { 'autocodex-ops.test': 'run1' } });
    expect(Object.fromEntries([...untar(Buffer.from(await buffer(stream)))].map(([p, b]) => [p, b.toString()]))).toEqual(DATA);
    await stream.helperRemoved();
    const spec = specOf(docker);
    expect(spec).toMatchObject({
      image: 'falkordb/falkordb:v4',
      entrypoint: ['sh', '-c'],
      labels: { [HELPER_LABEL]: '1', 'autocodex-ops.test': 'run1' },
      mounts: [{ volume: 'data', target: HELPER_MOUNT, readOnly: true }],
    });
    expect(spec.name).toMatch(/^autocodex-ops-helper-export-[0-9a-f]{12}$/);
    expect(docker.callsTo('getArchive')[0]?.[1]).toBe(`${HELPER_MOUNT}/.`);
    expect(docker.callsTo('startContainer')).toHaveLength(0);
    expect(docker.callsTo('removeContainer')).toHaveLength(1);
    expect(docker.containers.size).toBe(0);
  });

  it('says through helperRemoved when the helper could not be removed; the data was all sent', async () => {
    const docker = seeded().failNext('removeContainer', new OpsError('engine busy'));
    const stream = await exportVolume(docker, base);
    expect(Object.fromEntries([...untar(Buffer.from(await buffer(stream)))].map(([p, b]) => [p, b.toString()]))).toEqual(DATA);
    await expect(stream.helperRemoved()).rejects.toThrow('engine busy');
    expect(docker.containers.size).toBe(1);
  });

  it('reports a missing volume and does not create it (nor a helper)', async () => {
    const docker = seeded();
    await expect(exportVolume(docker, { ...base, volume: 'nope' })).rejects.toMatchObject({ exitCode: 10 });
    expect(docker.volumes.has('nope')).toBe(false);
    expect(docker.callsTo('createContainer')).toHaveLength(0);
  });

  it('fails with PrerequisiteError when no helper image is present', async () => {
    const docker = seeded();
    await expect(exportVolume(docker, { ...base, helperImages: ['busybox'] })).rejects.toBeInstanceOf(PrerequisiteError);
    expect(docker.callsTo('createContainer')).toHaveLength(0);
  });

  it('removes the helper when the reader stops early or the run aborts', async () => {
    const docker = seeded();
    const stream = await exportVolume(docker, base);
    stream.destroy();
    await stream.helperRemoved();
    expect(docker.containers.size).toBe(0);

    const controller = new AbortController();
    const aborted = await exportVolume(docker, { ...base, signal: controller.signal });
    controller.abort();
    await expect(text(aborted)).rejects.toBeInstanceOf(InterruptedError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(docker.containers.size).toBe(0);
  });

  it('survives an abort before anyone listens (no uncaught error), and a later consumer still sees it', async () => {
    const docker = seeded();
    const controller = new AbortController();
    const stream = await exportVolume(docker, { ...base, signal: controller.signal });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(uncaught).toEqual([]);
      expect(stream.destroyed).toBe(true);
      await expect(pipeline(stream, new PassThrough().resume())).rejects.toBeInstanceOf(InterruptedError);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('removes the helper when getArchive fails', async () => {
    const docker = seeded().failNext('getArchive', new OpsError('engine said no'));
    await expect(exportVolume(docker, base)).rejects.toThrow('engine said no');
    expect(docker.containers.size).toBe(0);
  });

  it('rejects at once when already aborted', async () => {
    const docker = seeded();
    const controller = new AbortController();
    controller.abort();
    await expect(exportVolume(docker, { ...base, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(docker.calls).toHaveLength(0);
  });
});

describe('importVolume', () => {
  it('puts the tar into the helper mount and removes the helper', async () => {
    const docker = seeded();
    await importVolume(docker, { ...base, tar: Readable.from([tarOf(new Map([['dump.rdb', Buffer.from('NEW')], ['new/file', Buffer.from('added')]]))]) });
    // Like tar -x: the archive's files are added, a same-named one replaced, the others stay.
    expect(docker.filesOf('data')).toEqual({ ...DATA, 'dump.rdb': 'NEW', 'new/file': 'added' });
    expect(docker.callsTo('putArchive')[0]?.[1]).toBe(HELPER_MOUNT);
    expect(specOf(docker).mounts[0]?.readOnly).toBe(false);
    expect(docker.containers.size).toBe(0);
  });

  it('rethrows the tar stream error itself and still removes the helper', async () => {
    const docker = seeded();
    const corrupt = new UsageError('archive is corrupt');
    const tar = new Readable({ read() { this.destroy(corrupt); } });
    docker.putArchive = async (_id, _path, body) => {
      for await (const _ of body) void _;
    };
    await expect(importVolume(docker, { ...base, tar })).rejects.toBe(corrupt);
    expect(docker.containers.size).toBe(0);
  });

  it('reports a missing volume and does not create it', async () => {
    const docker = seeded();
    await expect(importVolume(docker, { ...base, volume: 'fresh', tar: Readable.from([]) })).rejects.toMatchObject({ exitCode: 10 });
    expect(docker.volumes.has('fresh')).toBe(false);
  });
});

describe('wipeVolume', () => {
  it('runs a constant rm script covering dotfiles, waits, and removes the helper', async () => {
    const docker = seeded();
    await wipeVolume(docker, base);
    const spec = specOf(docker);
    expect(spec.entrypoint).toEqual(['sh', '-c']);
    expect(spec.cmd).toHaveLength(1);
    expect(spec.cmd[0]).toContain(`rm -rf ${HELPER_MOUNT}/* ${HELPER_MOUNT}/.[!.]* ${HELPER_MOUNT}/..?*`);
    expect(spec.user).toBe('0:0');
    expect(docker.filesOf('data')).toEqual({});
    expect(docker.containers.size).toBe(0);
  });

  it('fails with OpsError when the helper exits non-zero, still removing it', async () => {
    const docker = seeded(1);
    await expect(wipeVolume(docker, base)).rejects.toThrow('Wiping volume data failed (helper exited with 1)');
    expect(docker.containers.size).toBe(0);
  });

  it('turns an abort while waiting into InterruptedError and removes the helper', async () => {
    const docker = seeded();
    const controller = new AbortController();
    docker.waitContainer = async () => {
      controller.abort();
      throw new InterruptedError();
    };
    await expect(wipeVolume(docker, { ...base, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(docker.callsTo('removeContainer')[0]?.[1]).toEqual({ force: true, anonymousVolumes: true });
    expect(docker.containers.size).toBe(0);
  });
});

describe('armWipe', () => {
  it('starts a helper that waits on stdin and wipes only on go', async () => {
    const docker = seeded();
    const armed = await armWipe(docker, base);
    const spec = specOf(docker);
    expect(spec.openStdin).toBe(true);
    expect(spec.cmd[0]).toMatch(/^read -r go; \[ "\$go" = wipe \] \|\| exit 3; rm -rf /);
    // Attached before the start, so the helper never sees a stdin nobody holds.
    expect(docker.calls.map((c) => c.method).filter((m) => m === 'attachStdin' || m === 'startContainer')).toEqual(['attachStdin', 'startContainer']);
    expect(docker.filesOf('data')).toEqual(DATA);
    await armed.go();
    expect(docker.filesOf('data')).toEqual({});
    expect(docker.containers.size).toBe(0);
    await armed.cancel(); // after go: harmless
  });

  it('cancel removes the waiting helper and wipes nothing', async () => {
    const docker = seeded();
    const armed = await armWipe(docker, base);
    await armed.cancel();
    await armed.cancel();
    expect(docker.filesOf('data')).toEqual(DATA);
    expect(docker.containers.size).toBe(0);
  });

  it('go fails with OpsError when the helper exits non-zero, and removes it', async () => {
    const docker = seeded(1);
    const armed = await armWipe(docker, base);
    await expect(armed.go()).rejects.toThrow('Wiping volume data failed (helper exited with 1)');
    expect(docker.containers.size).toBe(0);
  });

  it('removes the helper when starting it fails, and refuses a missing volume before creating anything', async () => {
    const docker = seeded();
    docker.failNext('startContainer', new OpsError('engine said no'));
    await expect(armWipe(docker, base)).rejects.toThrow('engine said no');
    expect(docker.containers.size).toBe(0);
    await expect(armWipe(docker, { ...base, volume: 'fresh' })).rejects.toMatchObject({ exitCode: 10 });
    expect(docker.volumes.has('fresh')).toBe(false);
  });
});
