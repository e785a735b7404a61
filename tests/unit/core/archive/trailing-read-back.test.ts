import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { trailingReadBack } from '../../../../src/core/archive/trailing-read-back.js';

// Real files, real handles: the writer appends through a read-write handle as writeArchive does,
// and a second handle changes the file behind its back where a faulty disk or process would.
const handles: FileHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close().catch(() => undefined);
});

async function writer() {
  const path = join(mkdtempSync(join(tmpdir(), 'aco-trb-')), 'f');
  const fh = await open(path, 'wx+');
  handles.push(fh);
  return { path, fh, readBack: trailingReadBack(fh) };
}

/** Writes `data` in uneven pieces, handing each landed piece to the read-back as fileSink does. */
async function writeAll(fh: FileHandle, readBack: ReturnType<typeof trailingReadBack>, data: Buffer) {
  for (let at = 0, n = 1; at < data.length; n = (n * 7919) % 300_001) {
    const piece = data.subarray(at, at + n);
    const { bytesWritten } = await fh.write(piece);
    await readBack.wrote(piece.subarray(0, bytesWritten));
    at += bytesWritten;
  }
}

describe('trailingReadBack', () => {
  it('reads back, byte for byte, what was written and hashes the file itself', async () => {
    const { fh, readBack } = await writer();
    const data = randomBytes(9 * 1024 * 1024 + 123);
    await writeAll(fh, readBack, data);
    await fh.sync();
    expect(await readBack.finish()).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
  });

  it('an empty file reads back as empty', async () => {
    const { readBack } = await writer();
    expect(await readBack.finish()).toEqual({ sha256: createHash('sha256').digest('hex'), bytes: 0 });
  });

  it('fails when the file holds another byte than the one written', async () => {
    const { path, fh, readBack } = await writer();
    const data = randomBytes(3 * 1024 * 1024 + 500_000);
    await writeAll(fh, readBack, data);
    const other = await open(path, 'r+');
    handles.push(other);
    // The last megabyte is read only at finish: change a byte there.
    await other.write(Buffer.from([data[data.length - 10]! ^ 0x01]), 0, 1, data.length - 10);
    await expect(readBack.finish()).rejects.toThrow(`the file differs from what was written at byte ${data.length - 10}`);
  });

  it('fails when the file holds more than was written', async () => {
    const { path, fh, readBack } = await writer();
    await writeAll(fh, readBack, randomBytes(100_000));
    const other = await open(path, 'a');
    handles.push(other);
    await other.write(Buffer.from('x'));
    await expect(readBack.finish()).rejects.toThrow('the file holds more than the 100000 bytes written');
  });

  it('fails when the file holds fewer bytes than were written', async () => {
    const { path, fh, readBack } = await writer();
    await writeAll(fh, readBack, randomBytes(100_000));
    await truncate(path, 40_000);
    await expect(readBack.finish()).rejects.toThrow('the file holds 40000 bytes, 100000 were written');
  });

  it('does not leave the writer waiting when the read-back fails mid-way', async () => {
    const { path, fh, readBack } = await writer();
    const data = randomBytes(2 * 1024 * 1024);
    await fh.write(data);
    await truncate(path, 0); // every later read finds nothing where the writes were
    // Far more than the read-back may fall behind: the writer would wait for it without the failure's release.
    for (let i = 0; i < 8; i += 1) await readBack.wrote(data);
    await expect(readBack.finish()).rejects.toThrow(/the file holds 0 bytes/);
  });
});
