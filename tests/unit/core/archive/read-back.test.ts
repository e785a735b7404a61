import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBack } from '../../../../src/core/archive/read-back.js';

// Real files, real handles: the writer appends through a read-write handle as writeArchive does,
// and a second handle changes the file behind its back where a faulty disk or process would.
const handles: FileHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close().catch(() => undefined);
});

async function writer() {
  const path = join(mkdtempSync(join(tmpdir(), 'aco-rb-')), 'f');
  const fh = await open(path, 'wx+');
  handles.push(fh);
  return { path, fh, check: readBack(fh) };
}

/** Writes `data` in uneven pieces (some larger than the read-back's buffer), checking each landed piece as fileSink does. */
async function writeAll(fh: FileHandle, check: ReturnType<typeof readBack>, data: Buffer) {
  for (let at = 0, n = 1; at < data.length; n = (n * 7919) % 3_000_001) {
    const piece = data.subarray(at, at + n);
    const { bytesWritten } = await fh.write(piece);
    await check.check(piece.subarray(0, bytesWritten));
    at += bytesWritten;
  }
}

async function otherHandle(path: string, flags: string) {
  const h = await open(path, flags);
  handles.push(h);
  return h;
}

describe('readBack', () => {
  it('reads back, byte for byte, what was written and hashes the file itself', async () => {
    const { fh, check } = await writer();
    const data = randomBytes(9 * 1024 * 1024 + 123);
    await writeAll(fh, check, data);
    await fh.sync();
    expect(await check.finish()).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
  });

  it('an empty file reads back as empty', async () => {
    const { check } = await writer();
    expect(await check.finish()).toEqual({ sha256: createHash('sha256').digest('hex'), bytes: 0 });
  });

  it('fails at the first byte the file holds differently from what was written', async () => {
    const { path, fh, check } = await writer();
    const first = randomBytes(100_000);
    await writeAll(fh, check, first);
    const second = randomBytes(50_000);
    await fh.write(second);
    // Changed between the write and its read-back, as a faulty disk or another writer would.
    await (await otherHandle(path, 'r+')).write(Buffer.from([second[777]! ^ 0x01]), 0, 1, 100_777);
    await expect(check.check(second)).rejects.toThrow('the file differs from what was written at byte 100777');
  });

  it('fails when the file holds fewer bytes than were written', async () => {
    const { path, fh, check } = await writer();
    await writeAll(fh, check, randomBytes(100_000));
    const more = randomBytes(20_000);
    await fh.write(more);
    await truncate(path, 100_000);
    await expect(check.check(more)).rejects.toThrow('the file holds 100000 bytes, 120000 were written');
  });

  it('fails at the end when the file holds more than was written', async () => {
    const { path, fh, check } = await writer();
    await writeAll(fh, check, randomBytes(100_000));
    await (await otherHandle(path, 'a')).write(Buffer.from('x'));
    await expect(check.finish()).rejects.toThrow('the file holds more than the 100000 bytes written');
  });
});
