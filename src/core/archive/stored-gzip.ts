import { crc32 } from 'node:zlib';

// A gzip member whose deflate data is only stored blocks (RFC 1951 §3.2.4, BTYPE 00): the bytes
// themselves, framed. Built here with one copy and zlib.crc32 instead of a zlib stream at level 0,
// which cost a thread-pool job, a fresh output buffer per block and a main-thread callback: on a
// 465 MB safety copy that was about 1 s of CPU and much of the garbage collection (profiled).

/** Largest stored deflate block. */
const MAX_STORED = 0xffff;
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]); // deflate, no flags, no mtime, OS unknown

/** storedGzipMember returns `data` as one complete gzip member of stored deflate blocks. */
export function storedGzipMember(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED));
  const out = Buffer.allocUnsafe(HEADER.length + blocks * 5 + data.length + 8);
  let at = HEADER.copy(out, 0);
  for (let i = 0; i < blocks; i += 1) {
    const start = i * MAX_STORED;
    const len = Math.min(MAX_STORED, data.length - start);
    out[at] = i === blocks - 1 ? 1 : 0; // BFINAL on the last; BTYPE 00; the rest of the byte is padding
    out.writeUInt16LE(len, at + 1);
    out.writeUInt16LE(~len & 0xffff, at + 3);
    at += 5;
    at += data.copy(out, at, start, start + len);
  }
  out.writeUInt32LE(crc32(data) >>> 0, at);
  out.writeUInt32LE(data.length % 0x100000000, at + 4);
  return out;
}
