import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { storedGzipMember } from '../../../../src/core/archive/stored-gzip.js';

describe('storedGzipMember', () => {
  it.each([0, 1, 65_534, 65_535, 65_536, 3 * 65_535, 1024 * 1024 + 7])('frames %i bytes as stored blocks that gunzip reads back', (n) => {
    const data = randomBytes(n);
    const member = storedGzipMember(data);
    expect(gunzipSync(member).equals(data)).toBe(true);
    // Header, 5 bytes per block of at most 65535, the data, CRC and size: nothing is deflated.
    expect(member.length).toBe(10 + Math.max(1, Math.ceil(n / 65_535)) * 5 + n + 8);
  });

  it('writes the CRC-32 and size that gzip -t and gunzip check', async () => {
    const data = Buffer.from('stored, not deflated\n'.repeat(5000));
    const member = storedGzipMember(data);
    const bad = Buffer.from(member);
    bad[bad.length - 8]! ^= 0xff;
    expect(() => gunzipSync(bad)).toThrow(/incorrect data check/);
    const file = join(mkdtempSync(join(tmpdir(), 'aco-stored-')), 'x.gz');
    writeFileSync(file, Buffer.concat([member, storedGzipMember(data)]));
    await execa('gzip', ['-t', file]);
    expect((await execa('sh', ['-c', `gzip -dc ${file} | wc -c`])).stdout.trim()).toBe(String(2 * data.length));
  });
});
