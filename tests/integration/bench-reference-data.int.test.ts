import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { summarizeRdb } from '../../src/core/falkordb/rdb-summary.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

// The bench's data sets (bench/reference-data.mjs) must be data a real server loads: the drill row
// of `npm run bench` loads them (issue 17). Here, small scales of both sets are loaded by Debian's
// redis-server 7.0 (the stand-in's server): dump.rdb with appendonly no, the multi-part AOF with
// appendonly yes, each to the key count the generator states; the same seed gives the same bytes.

interface Generated {
  files: Array<{ path: string; bytes: number }>;
  totalBytes: number;
  keys: { rdb: number; aof: number };
}
type Fill = (dir: string, options: { seed: number; scale: number; dataset?: string }) => Promise<Generated>;
// A path in a variable: the bench is plain JavaScript outside the type-checked sources.
const benchData = '../../bench/reference-data.mjs';
const { fillReferenceData, DATASETS } = (await import(benchData)) as { fillReferenceData: Fill; DATASETS: Record<string, { rdbBytes: number; aofBytes: number }> };

const dirs: string[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function generate(dataset: string, scale: number, seed = 1): Promise<{ dir: string; data: Generated }> {
  const dir = mkdtempSync(join(tmpdir(), 'aco-bench-data-'));
  dirs.push(dir);
  return { dir, data: await fillReferenceData(dir, { seed, scale, dataset }) };
}

async function loaded(dir: string, appendonly: boolean): Promise<{ keys: number; strlen: number }> {
  const server = await startRedisServer({ appendonly, prepare: async (into) => void execFileSync('cp', ['-a', `${dir}/.`, into]) });
  servers.push(server);
  const redis = new Redis({ port: server.port, lazyConnect: true });
  try {
    await redis.connect();
    return { keys: await redis.dbsize(), strlen: await redis.strlen('blob:0') };
  } finally {
    redis.disconnect();
  }
}

const digest = (dir: string, data: Generated) => data.files.map((f) => createHash('sha256').update(readFileSync(join(dir, f.path))).digest('hex'));

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('the bench data sets load on a real redis-server 7.0 (the stand-in server)', () => {
  for (const [dataset, scale] of [
    ['reference', 0.004],
    ['mixed', 0.006],
  ] as const) {
    it(`${dataset}: dump.rdb and the AOF load to the stated key counts, at the stated sizes and compressibility`, async () => {
      const { dir, data } = await generate(dataset, scale);
      const size = (p: string) => statSync(join(dir, p)).size;
      expect(size('dump.rdb')).toBe(Math.round(DATASETS[dataset]!.rdbBytes * scale));
      const aofBytes = size('appendonlydir/appendonly.aof.1.base.aof') + size('appendonlydir/appendonly.aof.1.incr.aof');
      expect(Math.abs(aofBytes - DATASETS[dataset]!.aofBytes * scale)).toBeLessThan(2 * 1024 * 1024 + 1000);
      expect(data.totalBytes).toBe(data.files.reduce((s, f) => s + size(f.path), 0));
      // The RDB states its exact key count in its head (what the drill and the restore compare with).
      expect(summarizeRdb(readFileSync(join(dir, 'dump.rdb')).subarray(0, 4096))).toMatchObject({ version: 9, keys: data.keys.rdb });
      // Incompressible RDB values, AOF text that compresses like graph writes.
      const ratio = (p: string) => gzipSync(readFileSync(join(dir, p)), { level: 1 }).length / size(p);
      expect(ratio('dump.rdb')).toBeGreaterThan(0.99);
      expect(ratio('appendonlydir/appendonly.aof.1.base.aof')).toBeGreaterThan(0.2);
      expect(ratio('appendonlydir/appendonly.aof.1.base.aof')).toBeLessThan(0.4);

      expect(data.keys.rdb).toBeGreaterThan(10);
      expect(await loaded(dir, false)).toEqual({ keys: data.keys.rdb, strlen: 64 * 1024 });
      expect(data.keys.aof).toBeGreaterThan(1000);
      expect(await loaded(dir, true)).toEqual({ keys: data.keys.aof, strlen: 0 });
    });
  }

  it('is deterministic from the seed', async () => {
    const a = await generate('mixed', 0.002, 7);
    const b = await generate('mixed', 0.002, 7);
    const c = await generate('mixed', 0.002, 8);
    expect(digest(b.dir, b.data)).toEqual(digest(a.dir, a.data));
    expect(digest(c.dir, c.data)[0]).not.toEqual(digest(a.dir, a.data)[0]);
  });
});
