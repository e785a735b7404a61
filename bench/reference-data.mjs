// The reference volume of issues 4 and 5, generated deterministically from a seed, as data a real
// server loads (issue 17: the drill loads it): `dump.rdb`, a real RDB of about 300 MB whose string
// keys hold incompressible bytes, and about 165 MB of a real Redis 7 multi-part AOF in
// `appendonlydir/` (manifest, base and incr files of SET commands whose values are graph-write
// text, so it compresses like an AOF of graph writes); `scale` multiplies both. The mixed data set
// of issue 16 has the same layout, smaller and more incompressible: 150 MB + 100 MB.
// The bytes come from AES-256-CTR keyed by the seed: the same seed gives the same files everywhere.
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/** Sizes at scale 1, in bytes (decimal MB, as measured-facts.md gives them). */
export const REFERENCE = { rdbBytes: 300e6, aofBytes: 165e6 };
/** The data sets the bench can run on, sizes at scale 1. */
export const DATASETS = { reference: REFERENCE, mixed: { rdbBytes: 150e6, aofBytes: 100e6 } };
const CHUNK = 1 << 20;

/** keystream yields `bytes` pseudo-random bytes derived from the seed and a label, in 1 MiB chunks. */
function* keystream(seed, label, bytes) {
  const key = createHash('sha256').update(`autocodex-ops-bench:${seed}:${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let left = bytes; left > 0; left -= CHUNK) yield cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
}

async function writeChunks(path, chunks) {
  const out = createWriteStream(path, { mode: 0o644 });
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

// A small vocabulary makes the text compress like a real AOF of graph writes (mostly repeated
// keywords, property names and words; uuids and numbers do not repeat).
const WORDS = (
  'agent task spec build test commit review merge branch deploy error retry user project graph node edge ' +
  'memory session context prompt model token result file change patch plan phase step check fix issue ' +
  'release version update config service docker volume backup restore health status queue worker event ' +
  'episode entity relation summary fact source target created updated valid invalid name group label'
).split(' ');

const resp = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/**
 * aofText yields about `bytes` of a real Redis AOF: `SET <prefix><n> <query>` commands whose values
 * are graph-write text (Cypher MERGE of an entity with pseudo-random content), one key per command,
 * so a server that replays it holds exactly `keys()` keys. Returns the key count when done.
 */
function* aofText(seed, label, bytes, prefix) {
  const random = keystream(seed, label, Number.MAX_SAFE_INTEGER);
  let pool = random.next().value;
  let at = 0;
  const byte = () => {
    if (at >= pool.length) [pool, at] = [random.next().value, 0];
    return pool[at++];
  };
  const words = (n) => Array.from({ length: n }, () => WORDS[byte() % WORDS.length]).join(' ');
  const hex = (n) => Array.from({ length: n }, () => byte().toString(16).padStart(2, '0')).join('');
  let made = 0;
  let keys = 0;
  let t = 1_735_689_600;
  while (made < bytes) {
    const lines = [];
    let size = 0;
    while (size < CHUNK && made + size < bytes) {
      t += byte() % 7;
      const q =
        `MERGE (n:Entity {uuid: '${hex(16)}'}) SET n.name = '${words(2)}', n.group_id = 'project-${byte() % 8}', ` +
        `n.summary = '${words(10 + (byte() % 20))}', n.episode = '${hex(8)}', n.created_at = ${t}`;
      const cmd = resp('SET', `${prefix}${keys}`, q);
      keys += 1;
      lines.push(cmd);
      size += cmd.length;
    }
    const chunk = Buffer.from(lines.join(''));
    made += chunk.length;
    yield chunk;
  }
  return keys;
}

// RDB format (https://rdb.fnordig.de/file_format.html), version 9: read by Redis 5.0 and later,
// so by Debian's Redis 7.0 (the stand-in) and by current FalkorDB images alike.
const RDB_VERSION = 9;
/** Size of each string value of the RDB: 64 KiB of incompressible bytes per key. */
const RDB_VALUE = 64 * 1024;

/** rdbLength encodes a length the RDB way (6-bit, 14-bit, 32-bit or 64-bit). */
function rdbLength(n) {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  if (n <= 0xffffffff) {
    const b = Buffer.alloc(5);
    b[0] = 0x80;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0x81;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}
const rdbString = (s) => {
  const b = Buffer.from(s);
  return Buffer.concat([rdbLength(b.length), b]);
};
const rdbAux = (k, v) => Buffer.concat([Buffer.from([0xfa]), rdbString(k), rdbString(v)]);

/**
 * rdbFile plans a real RDB of exactly `bytes` bytes (when `bytes` allows a header): aux fields, db 0
 * with a RESIZEDB hint of its exact key count, string keys `blob:<n>` holding 64 KiB of
 * incompressible bytes each (the last one shorter), EOF and a zero checksum, which Redis reads as
 * "saved with checksum disabled" and does not check (a CRC64 in JS would cost seconds per run).
 */
function rdbFile(seed, bytes) {
  const head = Buffer.concat([
    Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`),
    rdbAux('redis-ver', '7.0.15'),
    rdbAux('redis-bits', '64'),
    rdbAux('ctime', '1735689600'),
    rdbAux('aof-base', '0'),
  ]);
  const tail = Buffer.concat([Buffer.from([0xff]), Buffer.alloc(8)]);
  const db = (keys) => Buffer.concat([Buffer.from([0xfe]), rdbLength(0), Buffer.from([0xfb]), rdbLength(keys), rdbLength(0)]);
  const keyHead = (n, len) => Buffer.concat([Buffer.from([0x00]), rdbString(`blob:${n}`), rdbLength(len)]);
  // Every value but the last has RDB_VALUE bytes; the last takes what is left so that the file has
  // exactly `bytes` bytes (to within a byte or two for files of a few bytes).
  const keys = Math.max(1, Math.floor((bytes - head.length - tail.length) / (RDB_VALUE + 20)));
  const lengths = Array.from({ length: keys - 1 }, () => RDB_VALUE);
  const left = bytes - head.length - tail.length - db(keys).length - lengths.reduce((s, len, n) => s + keyHead(n, len).length + len, 0);
  const last = keys - 1;
  let len = Math.max(0, left - keyHead(last, 0).length);
  while (len > 0 && keyHead(last, len).length + len > left) len -= 1;
  lengths.push(len);
  function* chunks() {
    yield Buffer.concat([head, db(keys)]);
    const key = createHash('sha256').update(`autocodex-ops-bench:${seed}:rdb`).digest();
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const zeros = Buffer.alloc(RDB_VALUE);
    for (const [n, len] of lengths.entries()) {
      yield keyHead(n, len);
      if (len > 0) yield cipher.update(len <= RDB_VALUE ? zeros.subarray(0, len) : Buffer.alloc(len));
    }
    yield tail;
  }
  return { keys, chunks };
}

/**
 * fillReferenceData writes the files of `dataset` (reference or mixed) into `dir` (a volume's folder) and resolves with
 * their relative paths and sizes and the key count a server holds after loading them: `keys.rdb`
 * with appendonly no (dump.rdb), `keys.aof` with appendonly yes (appendonlydir/). Same seed and scale, same bytes.
 */
export async function fillReferenceData(dir, { seed, scale, dataset = 'reference' }) {
  const sizes = DATASETS[dataset];
  const rdbBytes = Math.round(sizes.rdbBytes * scale);
  const aof = Math.round(sizes.aofBytes * scale);
  mkdirSync(join(dir, 'appendonlydir'), { recursive: true });
  const rdb = rdbFile(seed, rdbBytes);
  const aofKeys = {};
  // Collect the generator's return value (its key count) while writing its chunks.
  function* counted(gen, name) {
    aofKeys[name] = yield* gen;
  }
  const base = 'appendonly.aof.1.base.aof';
  const incr = 'appendonly.aof.1.incr.aof';
  const files = [
    ['dump.rdb', () => writeChunks(join(dir, 'dump.rdb'), rdb.chunks())],
    [`appendonlydir/${base}`, () => writeChunks(join(dir, 'appendonlydir', base), counted(aofText(seed, 'base', Math.round(aof * 0.6), 'entity:b'), 'base'))],
    [`appendonlydir/${incr}`, () => writeChunks(join(dir, 'appendonlydir', incr), counted(aofText(seed, 'incr', Math.round(aof * 0.4), 'entity:i'), 'incr'))],
    ['appendonlydir/appendonly.aof.manifest', () => writeChunks(join(dir, 'appendonlydir/appendonly.aof.manifest'), [Buffer.from(`file ${base} seq 1 type b\nfile ${incr} seq 1 type i\n`)])],
  ];
  const out = [];
  for (const [path, write] of files) out.push({ path, bytes: await write() });
  return { files: out, totalBytes: out.reduce((s, f) => s + f.bytes, 0), keys: { rdb: rdb.keys, aof: aofKeys.base + aofKeys.incr } };
}
