import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { choosePartSize, uploadMultipart, type MultipartApi } from '../../../../src/core/offsite/multipart.js';

// A small model of a multipart upload on the server: parts by number, completed or aborted.
function fakeServer(options: { failPart?: number } = {}) {
  const state = { parts: new Map<number, Buffer>(), completed: undefined as Buffer | undefined, aborted: false, inFlight: 0, maxInFlight: 0 };
  const api: MultipartApi = {
    create: async () => 'upload-1',
    async uploadPart(_id, n, body) {
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      await new Promise((r) => setTimeout(r, 2));
      state.inFlight--;
      if (n === options.failPart) throw new Error(`part ${n} failed`);
      state.parts.set(n, Buffer.from(body));
      return `"etag-${n}"`;
    },
    async complete(_id, parts) {
      state.completed = Buffer.concat(parts.map((p) => state.parts.get(p.PartNumber)!));
    },
    async abort() {
      state.aborted = true;
    },
  };
  return { api, state };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aco-mp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('uploadMultipart', () => {
  it('sends the file in order-preserving parts with at most `concurrency` in flight', async () => {
    const data = randomBytes(10_000 + 123);
    await writeFile(join(dir, 'f'), data);
    const { api, state } = fakeServer();
    const progress: number[] = [];
    await uploadMultipart(api, { path: join(dir, 'f'), size: data.length, partSize: 1000, concurrency: 3, onProgress: (n) => progress.push(n) });
    expect(state.completed?.equals(data)).toBe(true);
    expect(state.maxInFlight).toBeLessThanOrEqual(3);
    expect(state.aborted).toBe(false);
    expect(progress.at(-1)).toBe(data.length);
  });

  it('a failed part aborts the upload on the server and rejects', async () => {
    const data = randomBytes(5000);
    await writeFile(join(dir, 'f'), data);
    const { api, state } = fakeServer({ failPart: 3 });
    await expect(uploadMultipart(api, { path: join(dir, 'f'), size: data.length, partSize: 1000, concurrency: 2 })).rejects.toThrow(/part 3/);
    expect(state.aborted).toBe(true);
    expect(state.completed).toBeUndefined();
  });

  it('an interrupt aborts the upload and rejects with exit 130', async () => {
    const data = randomBytes(5000);
    await writeFile(join(dir, 'f'), data);
    const { api, state } = fakeServer();
    const ac = new AbortController();
    const origin = api.uploadPart;
    api.uploadPart = async (...args) => {
      ac.abort();
      return origin(...args);
    };
    await expect(uploadMultipart(api, { path: join(dir, 'f'), size: data.length, partSize: 1000, concurrency: 1, signal: ac.signal })).rejects.toMatchObject({ exitCode: 130 });
    expect(state.aborted).toBe(true);
  });

  it('grows the part size so no file needs more than 10,000 parts', () => {
    expect(choosePartSize(100)).toBe(8 * 1024 * 1024);
    const size = 200 * 1024 ** 3;
    expect(Math.ceil(size / choosePartSize(size))).toBeLessThanOrEqual(10_000);
  });
});
