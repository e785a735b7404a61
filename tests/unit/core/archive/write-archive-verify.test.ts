import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The two faults the in-stream verification must catch, made real: a compressor whose output is
// damaged on its way to the file (the check reads the very bytes written), and a disk that holds
// other bytes than the ones that were checked (the file is changed before its read-back reaches it).
const faults = vi.hoisted(() => ({ damageStream: false, damageDisk: false, damaged: false }));

vi.mock('../../../../src/core/archive/parallel-gzip.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../src/core/archive/parallel-gzip.js')>();
  return {
    ...real,
    createParallelGzip: (options: import('../../../../src/core/archive/parallel-gzip.js').ParallelGzipOptions) => {
      const gzip = real.createParallelGzip(options);
      if (!faults.damageStream) return gzip;
      // One bit of a member flipped after compression: what a faulty compressor or memory would do.
      const push = gzip.push.bind(gzip);
      gzip.push = (chunk: Buffer | null) => {
        if (chunk && !faults.damaged && chunk.length > 64) {
          chunk = Buffer.from(chunk);
          chunk[chunk.length >> 1]! ^= 0x10;
          faults.damaged = true;
        }
        return push(chunk);
      };
      return gzip;
    },
  };
});

vi.mock('../../../../src/core/archive/read-back.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../src/core/archive/read-back.js')>();
  return {
    ...real,
    readBack: (fh: import('node:fs/promises').FileHandle) => {
      const check = real.readBack(fh);
      return {
        ...check,
        // Between the write and its read-back: one bit of the first large write changed in the file.
        check: async (written: Buffer) => {
          if (faults.damageDisk && !faults.damaged && written.length > 64) {
            const { size } = await fh.stat();
            const at = size - (written.length >> 1);
            const byte = Buffer.alloc(1);
            await fh.read(byte, 0, 1, at);
            byte[0]! ^= 0x01;
            await fh.write(byte, 0, 1, at);
            faults.damaged = true;
          }
          return check.check(written);
        },
      };
    },
  };
});

const { writeArchive } = await import('../../../../src/core/archive/write-archive.js');

function source(): Readable {
  const src = mkdtempSync(join(tmpdir(), 'aco-wav-src-'));
  writeFileSync(join(src, 'dump.rdb'), randomBytes(200_000));
  writeFileSync(join(src, 'appendonly.aof'), 'SET a b\r\n'.repeat(20_000));
  return Readable.from(tar.c({ cwd: src }, ['.']) as unknown as AsyncIterable<Buffer>);
}

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'aco-wav-')), 'backups');

describe('writeArchive verification', () => {
  afterEach(() => {
    faults.damageStream = false;
    faults.damageDisk = false;
    faults.damaged = false;
  });

  it('verifies a clean archive in-stream and on disk', async () => {
    const dir = freshDir();
    const written = await writeArchive({ path: join(dir, 'a.tar.gz'), source: source(), gzip: { blockSize: 64 * 1024, probeBytes: 8 * 1024, level: 1 } });
    expect(written.listing.entries.map((e) => e.path).sort()).toEqual(['./', './appendonly.aof', './dump.rdb']);
    expect(readdirSync(dir)).toEqual(['a.tar.gz']);
  });

  it('refuses an archive whose bytes are damaged on their way to the file, and leaves nothing', async () => {
    faults.damageStream = true;
    const dir = freshDir();
    await expect(writeArchive({ path: join(dir, 'a.tar.gz'), source: source(), gzip: { blockSize: 64 * 1024, probeBytes: 8 * 1024, level: 1 }, sidecars: () => ({ '.sha256': 'x' }) })).rejects.toThrow(
      /The archive just written does not read back \(.+\); it was removed\./,
    );
    expect(faults.damaged).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an archive whose file holds other bytes than the verified ones, and leaves nothing', async () => {
    faults.damageDisk = true;
    const dir = freshDir();
    await expect(writeArchive({ path: join(dir, 'a.tar.gz'), source: source(), sidecars: () => ({ '.sha256': 'x' }) })).rejects.toThrow(
      /The archive just written does not read back \(the file differs from what was written at byte \d+\); it was removed\./,
    );
    expect(faults.damaged).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
