import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { guardStream } from '../../../src/output/guarded-stream.js';

/** A stream whose reader can go away: writes fail with `code` as an 'error' event, or throw. */
function fakeStream(failure?: { code: string; how: 'event' | 'throw' }) {
  const events = new EventEmitter();
  const written: string[] = [];
  const stream = {
    destroyed: false,
    isTTY: true,
    on: (e: 'error', l: (err: Error) => void) => events.on(e, l),
    write(text: string, cb?: (err?: Error | null) => void) {
      if (!failure) {
        written.push(text);
        cb?.();
        return true;
      }
      const err = Object.assign(new Error(`write ${failure.code}`), { code: failure.code });
      if (failure.how === 'throw') throw err;
      queueMicrotask(() => {
        stream.destroyed = true;
        events.emit('error', err);
        cb?.(err);
      });
      return false;
    },
  };
  return { stream, written };
}

describe('guardStream', () => {
  it('passes writes through while the reader is there', async () => {
    const { stream, written } = fakeStream();
    const out = guardStream(stream);
    out.write('a');
    await out.settle!();
    expect(written).toEqual(['a', '']);
    expect(out.broken).toBe(false);
    expect(out.isTTY).toBe(true);
  });

  it.each(['EPIPE', 'EIO'])('an asynchronous %s marks it broken; later writes are dropped, nothing throws', async (code) => {
    const { stream } = fakeStream({ code, how: 'event' });
    const out = guardStream(stream);
    expect(out.write('first')).toBe(false);
    await out.settle!();
    expect(out.broken).toBe(true);
    expect(() => out.write('second')).not.toThrow();
  });

  it('a write that throws (EIO on a hung-up terminal) marks it broken instead of crashing', () => {
    const { stream } = fakeStream({ code: 'EIO', how: 'throw' });
    const out = guardStream(stream);
    expect(out.write('x')).toBe(false);
    expect(out.broken).toBe(true);
  });
});
