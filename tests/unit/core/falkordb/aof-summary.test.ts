import { describe, expect, it } from 'vitest';
import { AofCounter, parseAofManifest } from '../../../../src/core/falkordb/aof-summary.js';

const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

function count(text: string, chunk: number) {
  const counter = new AofCounter();
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += chunk) counter.push(buf.subarray(i, i + chunk));
  return counter.counts;
}

describe('parseAofManifest', () => {
  it('reads the lines Redis 7 writes', () => {
    expect(parseAofManifest('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')).toEqual([
      { file: 'appendonly.aof.1.base.rdb', seq: 1, type: 'b' },
      { file: 'appendonly.aof.1.incr.aof', seq: 1, type: 'i' },
    ]);
  });
  it('refuses a file that is not a manifest', () => {
    expect(parseAofManifest('REDIS0010 binary')).toBeUndefined();
    expect(parseAofManifest('file x seq one type b')).toBeUndefined();
    expect(parseAofManifest('file x seq 1 type z')).toBeUndefined();
  });
});

describe('AofCounter', () => {
  const aof = resp('SELECT', '0') + resp('SET', 'k1', 'v'.repeat(70_000)) + resp('MULTI') + resp('HSET', 'h', 'f', 'x') + resp('EXEC');
  it.each([1, 7, 4096, 1 << 20])('counts commands and writes whatever the chunk size (%i bytes)', (chunk) => {
    expect(count(aof, chunk)).toEqual({ commands: 5, flushes: 0, writesAfterFlush: 2, resp: true });
  });
  it('starts counting writes again after the last FLUSHALL/FLUSHDB', () => {
    expect(count(aof + resp('FLUSHALL') + resp('SET', 'a', 'b'), 3)).toEqual({ commands: 7, flushes: 1, writesAfterFlush: 1, resp: true });
    expect(count(aof + resp('flushdb'), 64).writesAfterFlush).toBe(0);
  });
  it('says when the stream is not RESP (an RDB preamble), without buffering it', () => {
    expect(count('REDIS0010\u00fa\tredis-ver\u00067.0.15' + 'x'.repeat(100), 16).resp).toBe(false);
    expect(count('y'.repeat(200_000), 4096).resp).toBe(false);
  });
  it('tells a stream cut inside a command from a complete one', () => {
    const whole = new AofCounter();
    whole.push(Buffer.from(aof));
    expect(whole.complete).toBe(true);
    const cut = new AofCounter();
    cut.push(Buffer.from(aof.slice(0, -3)));
    expect(cut.complete).toBe(false);
    expect(cut.counts.resp).toBe(true);
  });
});
