// Reads what an RDB file says about itself before its first key: the format version, the aux
// fields (redis-ver, ctime, aof-base, …) and the first RESIZEDB hint, which SAVE writes with the
// exact key count of the database that follows. A restore compares that count with DBSIZE after
// start-up: an RDB that says "51 keys" and a server that holds 0 is a restore that loaded nothing
// (issue 23 §8). Format: https://rdb.fnordig.de/file_format.html (opcodes 0xFA-0xFF).

/** What the head of an RDB file says; `keys` is db 0's key count when the RDB states it. */
export interface RdbSummary {
  version: number;
  aux: Record<string, string>;
  /** db 0's key count from its RESIZEDB hint; 0 for an RDB that ends before any key. */
  keys?: number;
  /** How many of db 0's keys carry an expiry (RESIZEDB's second number): they may be gone at load. */
  expiring?: number;
  /** The first database the RDB selects (db 0's keys are what DBSIZE counts on a fresh connection). */
  firstDb?: number;
}

const OP = { MODULE_AUX: 0xf7, IDLE: 0xf8, FREQ: 0xf9, AUX: 0xfa, RESIZEDB: 0xfb, EXPIRETIME_MS: 0xfc, EXPIRETIME: 0xfd, SELECTDB: 0xfe, EOF: 0xff };

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('RDB header ends early');
    return this.buf[this.pos++]!;
  }
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new RangeError('RDB header ends early');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A length, or `{ special }` for the integer/LZF string encodings (top bits 11). */
  length(): number | { special: number } {
    const first = this.byte();
    switch (first >> 6) {
      case 0: return first & 0x3f;
      case 1: return ((first & 0x3f) << 8) | this.byte();
      case 2:
        if (first === 0x80) return this.take(4).readUInt32BE(0);
        if (first === 0x81) return Number(this.take(8).readBigUInt64BE(0));
        throw new RangeError(`unknown RDB length encoding 0x${first.toString(16)}`);
      default: return { special: first & 0x3f };
    }
  }
  string(): string {
    const len = this.length();
    if (typeof len === 'number') return this.take(len).toString('utf8');
    switch (len.special) {
      case 0: return String(this.take(1).readInt8(0));
      case 1: return String(this.take(2).readInt16LE(0));
      case 2: return String(this.take(4).readInt32LE(0));
      case 3: {
        // LZF-compressed string: skip it (aux values are never worth decompressing here).
        const clen = this.length();
        const ulen = this.length();
        if (typeof clen !== 'number' || typeof ulen !== 'number') throw new RangeError('bad LZF string');
        this.take(clen);
        return `<lzf ${ulen} bytes>`;
      }
      default: throw new RangeError(`unknown RDB string encoding ${len.special}`);
    }
  }
}

/**
 * summarizeRdb parses the head of an RDB file (the first few KiB are enough) up to the first key.
 * Returns undefined when `head` is not an RDB file (no `REDIS` magic); throws RangeError when the
 * head is cut short or malformed.
 */
export function summarizeRdb(head: Buffer): RdbSummary | undefined {
  if (head.length < 9 || head.subarray(0, 5).toString('latin1') !== 'REDIS') return undefined;
  const version = Number(head.subarray(5, 9).toString('latin1'));
  if (!Number.isInteger(version)) return undefined;
  const c = new Cursor(head);
  c.pos = 9;
  const summary: RdbSummary = { version, aux: {} };
  for (;;) {
    const op = c.byte();
    if (op === OP.AUX) {
      const key = c.string();
      summary.aux[key] = c.string();
    } else if (op === OP.SELECTDB) {
      const db = c.length();
      if (typeof db !== 'number') throw new RangeError('bad SELECTDB');
      summary.firstDb = db;
      // Databases are written in ascending order: a first database above 0 means db 0 is empty.
      if (db > 0) {
        summary.keys = 0;
        return summary;
      }
    } else if (op === OP.RESIZEDB) {
      const size = c.length();
      const expiring = c.length();
      if (typeof size !== 'number' || typeof expiring !== 'number') throw new RangeError('bad RESIZEDB');
      summary.keys = size;
      summary.expiring = expiring;
      return summary;
    } else if (op === OP.EOF) {
      // Header, aux fields, then EOF: an empty dataset.
      summary.keys = 0;
      return summary;
    } else {
      // MODULE_AUX or the first key (or its expiry): the counts, if any, came before.
      return summary;
    }
  }
}
