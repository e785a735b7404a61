import { describe, expect, it } from 'vitest';
import { garbageReleaser, type Gc } from '../../../../src/core/archive/release-garbage.js';

describe('garbageReleaser', () => {
  it('asks for a young collection every `every` bytes and a full one every `full` bytes', () => {
    const asked: string[] = [];
    const gc: Gc = (o) => void asked.push(o?.type ?? 'default');
    const release = garbageReleaser(100, 400, () => gc);
    for (let i = 0; i < 20; i += 1) release(50);
    expect(asked).toEqual(['minor', 'minor', 'minor', 'major', 'minor', 'minor', 'minor', 'major', 'minor', 'minor']);
  });

  it('does nothing without a collector, and the real one can be obtained and called', () => {
    expect(() => garbageReleaser(1, 2, () => null)(10)).not.toThrow();
    expect(() => garbageReleaser(1, 2)(10)).not.toThrow();
  });
});
