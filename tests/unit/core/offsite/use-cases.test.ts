import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadArchive } from '../../../../src/core/offsite/pull.js';
import { pushArchives } from '../../../../src/core/offsite/push.js';
import { pruneRemote } from '../../../../src/core/offsite/remote-prune.js';
import type { ObjectStore, RemoteHead } from '../../../../src/core/offsite/store.js';

// A small model of a bucket: objects with bytes, sha256 metadata and an optional lock, plus a
// switch that corrupts what a download returns. Enough to test the use cases' decisions.
function memoryStore(options: { corruptDownloads?: boolean; refuseDeletes?: Set<string> } = {}) {
  const objects = new Map<string, { body: Buffer; sha256?: string; at: Date; retainUntil?: Date }>();
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const store: ObjectStore = {
    bucket: 'mem',
    probe: async () => ({ objectLock: false, versioning: false }),
    list: async (prefix) => [...objects].filter(([k]) => k.startsWith(prefix)).map(([key, o]) => ({ key, bytes: o.body.length, lastModified: o.at })),
    head: async (key): Promise<RemoteHead | undefined> => {
      const o = objects.get(key);
      return o && { bytes: o.body.length, lastModified: o.at, ...(o.sha256 ? { sha256: o.sha256 } : {}), ...(o.retainUntil ? { retainUntil: o.retainUntil } : {}) };
    },
    putFile: async (key, path, o) => {
      const body = await readFile(path);
      objects.set(key, { body, sha256: o.sha256, at: new Date() });
    },
    putText: async (key, text) => void objects.set(key, { body: Buffer.from(text), at: new Date() }),
    getToFile: async (key, path) => {
      const body = Buffer.from(objects.get(key)!.body);
      if (options.corruptDownloads) body[0] = (body[0] ?? 0) ^ 1;
      await writeFile(path, body, { flag: 'wx' });
      return { bytes: body.length, sha256: sha(body) };
    },
    getText: async (key) => objects.get(key)?.body.toString(),
    remove: async (key) => {
      if (options.refuseDeletes?.has(key)) return { removed: false, locked: 'object lock' };
      objects.delete(key);
      return { removed: true };
    },
    listUploads: async () => [],
    abortUpload: async () => undefined,
  };
  return { store, objects };
}

const quiet = { info: () => undefined, warn: () => undefined };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aco-off-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function localArchive(name: string, content = `data of ${name}`): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  await writeFile(`${path}.sha256`, `${createHash('sha256').update(content).digest('hex')}  ${name}\n`);
  return path;
}

const deps = (store: ObjectStore) => ({ store, location: { bucket: 'mem', prefix: 'p' }, lockDir: join(dir, 'locks'), command: 'test', log: quiet });

describe('offsite use cases on a model bucket', () => {
  it('a download that does not match its checksum is exit 2 and leaves no file behind', async () => {
    const { store } = memoryStore({ corruptDownloads: true });
    await pushArchives([await localArchive('userdata_20260101_000000.tar.gz')], deps(store));
    const out = join(dir, 'out');
    await expect(downloadArchive(store, 'p/userdata/userdata_20260101_000000.tar.gz', out)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/does not match its checksum/) });
    expect(await readdir(out).catch(() => [])).toEqual([]);
  });

  it('a missing remote archive is exit 2 naming it', async () => {
    const { store } = memoryStore();
    await expect(downloadArchive(store, 'p/userdata/userdata_20260101_000000.tar.gz', dir)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/There is no s3:\/\/mem\//) });
  });

  it('REQUIRE_ENCRYPTION refuses a plain archive before anything is sent', async () => {
    const { store, objects } = memoryStore();
    await expect(pushArchives([await localArchive('userdata_20260101_000000.tar.gz')], { ...deps(store), requireEncryption: true })).rejects.toMatchObject({ exitCode: 2 });
    expect(objects.size).toBe(0);
  });

  it('a delete the store refuses is reported as locked and keeps the sidecars', async () => {
    const names = ['userdata_20260101_000000.tar.gz', 'userdata_20260201_000000.tar.gz'];
    const old = `p/userdata/${names[0]}`;
    const { store, objects } = memoryStore({ refuseDeletes: new Set([old]) });
    for (const n of names) await pushArchives([await localArchive(n)], deps(store));
    const report = await pruneRemote({ keepLast: 1, keepMin: 1 }, { dryRun: false }, deps(store));
    expect(report.decisions.map((d) => d.action)).toEqual(['keep', 'locked']);
    expect([...objects.keys()].filter((k) => k.startsWith(old))).toHaveLength(2);
  });
});
