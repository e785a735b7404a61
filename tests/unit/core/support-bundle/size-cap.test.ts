import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import { capSizes, parseSize } from '../../../../src/core/support-bundle/size-cap.js';

describe('capSizes', () => {
  it('keeps everything that fits', () => {
    expect(capSizes([10, 20, 30], 60)).toEqual([10, 20, 30]);
  });

  it('cuts the largest first, all cut ones to the same length', () => {
    // 10 stays whole; 90 left for two logs: 45 each.
    expect(capSizes([300, 10, 100], 100)).toEqual([45, 10, 45]);
  });

  it('cuts only the largest when that is enough', () => {
    expect(capSizes([50, 40, 1000], 190)).toEqual([50, 40, 100]);
  });

  it('keeps nothing when there is no room', () => {
    expect(capSizes([5, 7], -3)).toEqual([0, 0]);
  });
});

describe('parseSize', () => {
  it.each([
    ['100MB', 100_000_000],
    ['300M', 300_000_000],
    ['1.5G', 1_500_000_000],
    ['512MiB', 512 * 1024 * 1024],
    ['2097152', 2_097_152],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '10 parsecs', '-5MB', '100KB'])('refuses %j with a usage error', (text) => {
    expect(() => parseSize(text)).toThrow(UsageError);
  });
});
