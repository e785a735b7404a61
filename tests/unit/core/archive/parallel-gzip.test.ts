import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { createParallelGzip, type ParallelGzipOptions } from '../../../../src/core/archive/parallel-gzip.js';

async function compress(input: Buffer, options: ParallelGzipOptions = {}, chunk = 100_000) {
  const gz = createParallelGzip(options);
  const parts: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(input.length / chunk) }, (_, i) => input.subarray(i * chunk, (i + 1) * chunk));
  await pipeline(Readable.from(chunks), gz, new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
  return { out: Buffer.concat(parts), stats: gz.stats };
}

const text = (n: number) => Buffer.from('SET key value with some repeated AOF-like text\r\n'.repeat(Math.ceil(n / 48))).subarray(0, n);

describe('ParallelGzip', () => {
  it('round-trips mixed data through independent members, in order', async () => {
    const input = Buffer.concat([text(300_000), randomBytes(700_000), text(123_457)]);
    const { out, stats } = await compress(input, { blockSize: 64 * 1024, probeBytes: 8 * 1024, concurrency: 3 });
    expect(gunzipSync(out).equals(input)).toBe(true);
    expect(stats.blocks).toBe(Math.ceil(input.length / (64 * 1024)));
    expect(stats).toMatchObject({ bytesIn: input.length, bytesOut: out.length });
    // Each block is its own member: the gzip magic appears once per block at least.
    expect(out.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 0x08]));
  });

  it('stores incompressible blocks instead of deflating them, and still compresses text', async () => {
    const random = await compress(randomBytes(1024 * 1024), { blockSize: 256 * 1024, probeBytes: 16 * 1024 });
    expect(random.stats.storedBlocks).toBe(4);
    expect(random.out.length).toBeLessThan(1024 * 1024 + 4 * 256);
    const prose = await compress(text(1024 * 1024), { blockSize: 256 * 1024, probeBytes: 16 * 1024 });
    expect(prose.stats.storedBlocks).toBe(0);
    expect(prose.out.length).toBeLessThan(1024 * 1024 / 20);
  });

  it('turns an empty input into a valid empty gzip stream', async () => {
    const { out } = await compress(Buffer.alloc(0));
    expect(gunzipSync(out).length).toBe(0);
  });

  it('keeps memory bounded: a slow reader holds the writer back', async () => {
    const blockSize = 64 * 1024;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const total = 40 * 1024 * 1024;
    const source = new Readable({
      highWaterMark: blockSize,
      read() {
        if (produced >= total) return void this.push(null);
        produced += blockSize;
        this.push(Buffer.alloc(blockSize, produced % 251));
      },
    });
    const sink = new Writable({
      highWaterMark: blockSize,
      write(chunk: Buffer, _e, cb) {
        consumed += 1;
        maxAhead = Math.max(maxAhead, produced - consumed * blockSize);
        setTimeout(cb, 1);
      },
    });
    await pipeline(source, createParallelGzip({ blockSize, concurrency: 2, level: 0 }), sink);
    expect(consumed).toBe(total / blockSize);
    // Whole-stream buffering would put ~40 MiB ahead; the window is a few blocks plus stream buffers.
    expect(maxAhead).toBeLessThan(16 * blockSize);
  });

  it('writes archives that GNU tar and busybox tar list and extract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-pgz-'));
    const src = join(dir, 'src');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(src, 'appendonlydir'), { recursive: true }));
    const rdb = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(src, 'dump.rdb'), rdb);
    writeFileSync(join(src, 'appendonlydir', 'appendonly.aof.1.incr.aof'), text(2 * 1024 * 1024 + 5));
    const tarStream = tar.c({ cwd: src }, ['.']) as unknown as NodeJS.ReadableStream;
    const archive = join(dir, 'out.tar.gz');
    const { createWriteStream } = await import('node:fs');
    await pipeline(tarStream, createParallelGzip({ blockSize: 256 * 1024, probeBytes: 16 * 1024 }), createWriteStream(archive));
    const expected = ['./', './appendonlydir/', './appendonlydir/appendonly.aof.1.incr.aof', './dump.rdb'];
    const gnu = await execa('tar', ['-tzf', archive]);
    expect(gnu.stdout.split('\n').sort()).toEqual(expected);
    const busybox = await execa('busybox', ['tar', '-tzf', archive]);
    expect(busybox.stdout.split('\n').sort()).toEqual(expected);
    await execa('busybox', ['tar', '-xzf', archive, '-C', dir]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, 'dump.rdb')).equals(rdb)).toBe(true);
    await execa('sh', ['-c', `gzip -t ${archive}`]);
  });
});
