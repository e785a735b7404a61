import { describe, expect, it } from 'vitest';
import { summarizeRdb } from '../../../../src/core/falkordb/rdb-summary.js';

// Hand-built RDB heads (format: https://rdb.fnordig.de/file_format.html); the integration tests
// read files the real redis-server wrote.
const aux = (k: string, v: Buffer) => Buffer.concat([Buffer.from([0xfa, k.length]), Buffer.from(k), v]);
const str = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
const HEAD = Buffer.concat([Buffer.from('REDIS0010'), aux('redis-ver', str('7.0.15')), aux('redis-bits', Buffer.from([0xc0, 64])), aux('ctime', Buffer.from([0xc2, 0x54, 0x2d, 0x12, 0x6b]))]);

describe('summarizeRdb', () => {
  it.each([
    ['a key count under 64', Buffer.from([0xfe, 0x00, 0xfb, 0x33, 0x01, 0x00]), 51],
    ['a 14-bit key count', Buffer.from([0xfe, 0x00, 0xfb, 0x45, 0x46, 0x00, 0x00]), 0x546],
    ['a 32-bit key count', Buffer.from([0xfe, 0x00, 0xfb, 0x80, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x00]), 100_000],
    ['an empty dataset (EOF right after the aux fields)', Buffer.from([0xff]), 0],
    ['only db 1 holds keys: db 0 is empty', Buffer.from([0xfe, 0x01, 0xfb, 0x05, 0x00]), 0],
  ])('reads %s', (_name, tail, keys) => {
    const summary = summarizeRdb(Buffer.concat([HEAD, tail]));
    expect(summary).toMatchObject({ version: 10, keys, aux: { 'redis-ver': '7.0.15', 'redis-bits': '64', ctime: String(0x6b122d54) } });
  });

  it('leaves the count unknown when the first key comes without a RESIZEDB hint', () => {
    const summary = summarizeRdb(Buffer.concat([HEAD, Buffer.from([0xfe, 0x00, 0x00]), str('k'), str('v')]));
    expect(summary).toEqual({ version: 10, aux: expect.any(Object), firstDb: 0 });
  });

  it('returns undefined for a file that is not an RDB, and throws on a cut head', () => {
    expect(summarizeRdb(Buffer.from('*2\r\n$6\r\nSELECT\r\n'))).toBeUndefined();
    expect(summarizeRdb(randomish(64))).toBeUndefined();
    expect(() => summarizeRdb(Buffer.concat([HEAD, Buffer.from([0xfa, 0x05, 0x61])]))).toThrow(RangeError);
  });
});

function randomish(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256));
}

describe('summarizeRdb on a file redis-server 7.0 wrote', () => {
  it('finds db 0 key count and the aux fields (51 keys in db 0, one more in db 1)', async () => {
    const { readFileSync } = await import('node:fs');
    const file = readFileSync(new URL('../../../fixtures/rdb/redis7-db0-51keys-db1-1key.rdb', import.meta.url));
    expect(summarizeRdb(file.subarray(0, 4096))).toMatchObject({ version: 10, keys: 51, expiring: 1, firstDb: 0, aux: { 'redis-ver': '7.0.15', 'aof-base': '0' } });
  });
});
