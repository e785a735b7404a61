// The reference volume of issues 4 and 5, generated deterministically from a seed: about 300 MB of
// incompressible bytes named like an RDB (`dump.rdb`) and about 165 MB of AOF-like text (Redis
// protocol GRAPH.QUERY commands) in Redis 7's `appendonlydir/` layout; `scale` multiplies both.
// The mixed data set of issue 16 has the same layout, smaller and more incompressible: 150 MB + 100 MB.
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

/** aofText yields about `bytes` of Redis protocol text: GRAPH.QUERY MERGE commands with pseudo-random content. */
function* aofText(seed, label, bytes) {
  const random = keystream(seed, label, Number.MAX_SAFE_INTEGER);
  let pool = random.next().value;
  let at = 0;
  const byte = () => {
    if (at >= pool.length) [pool, at] = [random.next().value, 0];
    return pool[at++];
  };
  const words = (n) => Array.from({ length: n }, () => WORDS[byte() % WORDS.length]).join(' ');
  const hex = (n) => Array.from({ length: n }, () => byte().toString(16).padStart(2, '0')).join('');
  const bulk = (s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  let made = 0;
  let t = 1_735_689_600;
  while (made < bytes) {
    const lines = [];
    let size = 0;
    while (size < CHUNK && made + size < bytes) {
      t += byte() % 7;
      const q =
        `MERGE (n:Entity {uuid: '${hex(16)}'}) SET n.name = '${words(2)}', n.group_id = 'project-${byte() % 8}', ` +
        `n.summary = '${words(10 + (byte() % 20))}', n.episode = '${hex(8)}', n.created_at = ${t}`;
      const cmd = `*3\r\n${bulk('GRAPH.QUERY')}${bulk('graphiti')}${bulk(q)}`;
      lines.push(cmd);
      size += cmd.length;
    }
    const chunk = Buffer.from(lines.join(''));
    made += chunk.length;
    yield chunk;
  }
}

/**
 * fillReferenceData writes the files of `dataset` (reference or mixed) into `dir` (a volume's folder) and resolves with
 * their relative paths and sizes. Same seed and scale, same bytes.
 */
export async function fillReferenceData(dir, { seed, scale, dataset = 'reference' }) {
  const sizes = DATASETS[dataset];
  const rdb = Math.round(sizes.rdbBytes * scale);
  const aof = Math.round(sizes.aofBytes * scale);
  mkdirSync(join(dir, 'appendonlydir'), { recursive: true });
  const header = Buffer.from('REDIS0011');
  const files = [
    ['dump.rdb', () => writeChunks(join(dir, 'dump.rdb'), [header, ...keystream(seed, 'rdb', rdb - header.length)])],
    ['appendonlydir/appendonly.aof.1.base.aof', () => writeChunks(join(dir, 'appendonlydir/appendonly.aof.1.base.aof'), aofText(seed, 'base', Math.round(aof * 0.6)))],
    ['appendonlydir/appendonly.aof.1.incr.aof', () => writeChunks(join(dir, 'appendonlydir/appendonly.aof.1.incr.aof'), aofText(seed, 'incr', Math.round(aof * 0.4)))],
    [
      'appendonlydir/appendonly.aof.manifest',
      () => writeChunks(join(dir, 'appendonlydir/appendonly.aof.manifest'), [Buffer.from('file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')]),
    ],
  ];
  const out = [];
  for (const [path, write] of files) out.push({ path, bytes: await write() });
  return { files: out, totalBytes: out.reduce((s, f) => s + f.bytes, 0) };
}
