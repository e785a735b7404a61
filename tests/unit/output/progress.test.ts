import { describe, expect, it } from 'vitest';
import { createProgressLine } from '../../../src/output/progress.js';

describe('createProgressLine', () => {
  it('draws bytes, rate, percent and ETA at most every interval, and clears itself', () => {
    let out = '';
    let t = 0;
    const line = createProgressLine({ write: (s: string) => (out += s) }, '[backup]', { intervalMs: 250, now: () => t });
    line.start(100 * 1024 * 1024);
    t = 1000;
    line.update(25 * 1024 * 1024);
    t = 1100;
    line.update(26 * 1024 * 1024);
    expect(out).toBe('\r\u001b[2K[backup] 25.0 MiB · 25.0 MiB/s · 25% · ETA 3 s');
    line.stop();
    expect(out.endsWith('\r\u001b[2K')).toBe(true);
    const cleared = out;
    t = 5000;
    line.update(90 * 1024 * 1024);
    expect(out).toBe(cleared);
  });
  it('without a total shows bytes and rate only; stop without a drawn line writes nothing', () => {
    let out = '';
    let t = 0;
    const line = createProgressLine({ write: (s: string) => (out += s) }, '[backup]', { now: () => t });
    line.stop();
    expect(out).toBe('');
    line.start();
    t = 2000;
    line.update(4096);
    expect(out).toBe('\r\u001b[2K[backup] 4.0 KiB · 2.0 KiB/s');
  });
});
