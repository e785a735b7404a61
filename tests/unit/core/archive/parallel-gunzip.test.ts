import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { memberHeader, readMemberHeader } from '../../../../src/core/archive/gzip-member.js';
import { createParallelGunzip } from '../../../../src/core/archive/parallel-gunzip.js';
import { createParallelGzip } from '../../../../src/core/archive/parallel-gzip.js';

const text = (n: number) => Buffer.from('SET key value with some repeated AOF-like text\r\n'.repeat(Math.ceil(n / 48))).subarray(0, n);
const pieces = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

async function gzipIndexed(input: Buffer, blockSize = 64 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(Readable.from(pieces(input, 50_000)), createParallelGzip({ blockSize, probeBytes: 8 * 1024 }), new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
  return Buffer.concat(parts);
}

async function gunzip(compressed: Buffer, chunk = 70_000) {
  const gz = createParallelGunzip({ concurrency: 3 });
  const parts: Buffer[] = [];
  await pipeline(Readable.from(compressed.length ? pieces(compressed, chunk) : [Buffer.alloc(0)]), gz, new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
  return { out: Buffer.concat(parts), stats: gz.stats };
}

const input = Buffer.concat([text(200_000), randomBytes(300_000), text(77_777)]);

describe('ParallelGunzip', () => {
  it('inflates indexed members in parallel and in order', async () => {
    const { out, stats } = await gunzip(await gzipIndexed(input));
    expect(out.equals(input)).toBe(true);
    expect(stats).toEqual({ indexedMembers: Math.ceil(input.length / (64 * 1024)), bytesOut: input.length, streamed: false });
  });

  it('cuts members correctly whatever the input chunking (headers split across chunks)', async () => {
    const compressed = await gzipIndexed(input, 16 * 1024);
    for (const chunk of [1, 7, 19, 20, 21, 4096]) {
      const { out } = await gunzip(compressed.subarray(0, 200_000), chunk).catch(() => ({ out: Buffer.alloc(0) }));
      // A prefix is cut off mid-member: it must fail, never return a partial stream silently.
      expect(out.length).toBe(0);
    }
    for (const chunk of [1, 13, 20, 33_333]) expect((await gunzip(compressed, chunk)).out.equals(input)).toBe(true);
  }, 30_000);

  it('reads plain gzip (other writers) through the streaming gunzip', async () => {
    const { out, stats } = await gunzip(gzipSync(input));
    expect(out.equals(input)).toBe(true);
    expect(stats.streamed).toBe(true);
    expect(stats.indexedMembers).toBe(0);
  });

  it('switches to the streaming gunzip at the first member without the length field', async () => {
    const tail = text(5000);
    const { out, stats } = await gunzip(Buffer.concat([await gzipIndexed(input), gzipSync(tail)]));
    expect(out.equals(Buffer.concat([input, tail]))).toBe(true);
    expect(stats.streamed).toBe(true);
    expect(stats.indexedMembers).toBeGreaterThan(1);
  });

  it('rejects a flipped byte in deflate data, a wrong CRC, a wrong length', async () => {
    const good = await gzipIndexed(text(300_000));
    const flipped = Buffer.from(good);
    flipped[40]! ^= 0xff;
    await expect(gunzip(flipped)).rejects.toThrow();
    const firstLen = good.readUInt32LE(16);
    const badCrc = Buffer.from(good);
    badCrc[firstLen - 8]! ^= 0x01;
    await expect(gunzip(badCrc)).rejects.toThrow(/incorrect data check/);
    const badSize = Buffer.from(good);
    badSize[firstLen - 4]! ^= 0x01;
    await expect(gunzip(badSize)).rejects.toThrow(/invalid length/);
  });

  it('rejects a cut-off archive, trailing bytes, an empty input and non-gzip data', async () => {
    const good = await gzipIndexed(input);
    await expect(gunzip(good.subarray(0, good.length - 1))).rejects.toThrow(/unexpected end of file/);
    await expect(gunzip(good.subarray(0, 10))).rejects.toThrow(/unexpected end of file/);
    await expect(gunzip(Buffer.concat([good, Buffer.from('garbage')]))).rejects.toThrow(/unexpected bytes after a gzip member/);
    await expect(gunzip(Buffer.alloc(0))).rejects.toThrow(/unexpected end of file/);
    await expect(gunzip(Buffer.from('plain text, not gzip'))).rejects.toThrow(/not a gzip file/);
  });

  it('holds only a few members when the reader is slow', async () => {
    // Random bytes are stored, so compressed and plain sizes match and "ahead" is comparable.
    const total = 8 * 1024 * 1024;
    const compressed = await gzipIndexed(randomBytes(total), 64 * 1024);
    let fed = 0;
    let consumed = 0;
    let maxAhead = 0;
    const source = Readable.from(
      (function* () {
        for (const p of pieces(compressed, 16 * 1024)) {
          fed += p.length;
          yield p;
        }
      })(),
    );
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _e, cb) {
        consumed += chunk.length;
        maxAhead = Math.max(maxAhead, fed - consumed);
        setTimeout(cb, 1);
      },
    });
    await pipeline(source, createParallelGunzip({ concurrency: 2 }), sink);
    expect(consumed).toBe(total);
    // Reading everything first would put ~8 MiB ahead; the window is a few members plus stream buffers.
    expect(maxAhead).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('readMemberHeader', () => {
  it('tells indexed members from other gzip headers and from non-gzip bytes', () => {
    const h = memberHeader(100, 6);
    expect(readMemberHeader(h)).toEqual({ kind: 'indexed', headerBytes: 20, totalBytes: 128 });
    expect(readMemberHeader(h.subarray(0, 15))).toEqual({ kind: 'need-more' });
    expect(readMemberHeader(Buffer.alloc(0))).toEqual({ kind: 'need-more' });
    expect(readMemberHeader(gzipSync(Buffer.from('x')))).toEqual({ kind: 'plain' });
    const other = Buffer.from(h);
    other[12] = 0x42; // another subfield id
    expect(readMemberHeader(other)).toEqual({ kind: 'plain' });
    const tooShort = Buffer.from(h);
    tooShort.writeUInt32LE(27, 16);
    expect(readMemberHeader(tooShort)).toEqual({ kind: 'plain' });
    expect(readMemberHeader(Buffer.from([0x1f, 0x8c]))).toEqual({ kind: 'not-gzip' });
  });
});
