// One gzip member (RFC 1952) per block, with the member's total length in an extra field of its
// header, as BGZF does (whose 16-bit field cannot hold a 1 MiB block). A reader that knows the
// field cuts the file into members without inflating anything and inflates them on several
// threads; every other gzip reader skips the field, as RFC 1952 requires, so GNU tar, busybox tar,
// pigz and Node's gunzip read these archives as plain concatenated gzip.

/** Subfield id of the member length: 'a','o' (autocodex-ops). */
const SI1 = 0x61;
const SI2 = 0x6f;
const FEXTRA = 0x04;
/** Bytes of a header written here: 10 fixed, XLEN, one subfield of 4 + 4 bytes. */
export const MEMBER_HEADER_BYTES = 20;
/** Bytes of every member's trailer: CRC-32 and ISIZE, little-endian. */
export const MEMBER_TRAILER_BYTES = 8;
/** Smallest gzip header of any kind; fewer bytes cannot be judged. */
export const MIN_GZIP_HEADER = 10;

/** memberHeader returns the header of a member whose deflate data is `deflateBytes` long. */
export function memberHeader(deflateBytes: number, level: number): Buffer {
  const total = MEMBER_HEADER_BYTES + deflateBytes + MEMBER_TRAILER_BYTES;
  if (total > 0xffffffff) throw new RangeError(`gzip member of ${total} bytes is too large to index`);
  const h = Buffer.alloc(MEMBER_HEADER_BYTES);
  h[0] = 0x1f;
  h[1] = 0x8b;
  h[2] = 8; // deflate
  h[3] = FEXTRA;
  // MTIME 0: "no time stamp", so equal input gives equal bytes.
  h[8] = level >= 9 ? 2 : level === 1 ? 4 : 0; // XFL
  h[9] = 255; // OS unknown
  h.writeUInt16LE(8, 10); // XLEN
  h[12] = SI1;
  h[13] = SI2;
  h.writeUInt16LE(4, 14);
  h.writeUInt32LE(total, 16);
  return h;
}

/** memberTrailer returns the CRC-32 and length (mod 2^32) of the uncompressed block. */
export function memberTrailer(crc: number, uncompressedBytes: number): Buffer {
  const t = Buffer.alloc(MEMBER_TRAILER_BYTES);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(uncompressedBytes % 0x100000000, 4);
  return t;
}

/** What the start of a member says: not gzip, too short to tell, an indexed member, or some other gzip. */
export type HeaderInfo =
  | { kind: 'not-gzip' }
  | { kind: 'need-more' }
  | { kind: 'indexed'; headerBytes: number; totalBytes: number }
  | { kind: 'plain' };

/**
 * readMemberHeader judges the bytes at the start of a member. `indexed` only for the exact header
 * this module writes (FEXTRA alone, one 'ao' subfield of 4 bytes, a length that covers at least
 * header and trailer); any other valid-looking gzip header is `plain`, for a streaming gunzip.
 */
export function readMemberHeader(b: Buffer): HeaderInfo {
  const magic = [0x1f, 0x8b, 8];
  for (let i = 0; i < Math.min(magic.length, b.length); i += 1) if (b[i] !== magic[i]) return { kind: 'not-gzip' };
  if (b.length < MIN_GZIP_HEADER) return { kind: 'need-more' };
  if (b[3] !== FEXTRA) return { kind: 'plain' };
  if (b.length < MEMBER_HEADER_BYTES) return { kind: 'need-more' };
  if (b.readUInt16LE(10) !== 8 || b[12] !== SI1 || b[13] !== SI2 || b.readUInt16LE(14) !== 4) return { kind: 'plain' };
  const totalBytes = b.readUInt32LE(16);
  if (totalBytes < MEMBER_HEADER_BYTES + MEMBER_TRAILER_BYTES) return { kind: 'plain' };
  return { kind: 'indexed', headerBytes: MEMBER_HEADER_BYTES, totalBytes };
}
