import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { READ_CHUNK } from '../archive/read-archive.js';
import { AofCounter, parseAofManifest } from '../falkordb/aof-summary.js';
import type { ArchiveData } from '../falkordb/load-plan.js';
import { summarizeRdb, type RdbSummary } from '../falkordb/rdb-summary.js';

// What a FalkorDB archive holds, read from its entries as they stream by (issue 23 §8): the head of
// every RDB (its own key count), the AOF manifests and command counts. A drill or a restore compares
// DBSIZE after start-up with it, so an archive whose data does not load is caught even without a
// manifest. Only heads and counters are kept: memory stays flat whatever the archive's size.

/** Bytes of an RDB's head kept for summarizeRdb: aux fields and the first RESIZEDB fit easily. */
const RDB_HEAD = 64 * 1024;
/** AOF manifests are a few lines; anything bigger is not one. */
const MANIFEST_MAX = 64 * 1024;

/** The minimal shape of a node-tar ReadEntry the collector needs. */
export interface TarEntryLike {
  path: string;
  type: string;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  resume(): unknown;
}

const rdbSummary = (head: Buffer): RdbSummary | undefined => {
  try {
    return summarizeRdb(head);
  } catch {
    return undefined; // a head that ends early or does not parse: "not empty" is all it promises
  }
};

/** One stream's head (up to `max` bytes) and, optionally, every chunk fed on to `sink`. */
function collect(entry: TarEntryLike, max: number, done: (head: Buffer) => void, sink?: (chunk: Buffer) => void): void {
  const parts: Buffer[] = [];
  let kept = 0;
  entry.on('data', (chunk: Buffer) => {
    sink?.(chunk);
    if (kept < max) {
      parts.push(chunk.subarray(0, max - kept));
      kept += Math.min(chunk.length, max - kept);
    }
  });
  entry.on('end', () => done(Buffer.concat(parts)));
}

/**
 * archiveDataCollector returns an `onEntry` for a tar parser's entries and `result()` for what they
 * held once the parser has finished: top-level `*.rdb` files, top-level folders holding AOF parts or
 * a manifest (`appendonlydir/`), and top-level `*.aof` files (Redis 6 and older). Every entry is resumed.
 */
export function archiveDataCollector(): { onEntry: (entry: TarEntryLike) => void; result: () => ArchiveData } {
  const data: ArchiveData = { rdb: new Map(), aofDirs: new Map(), legacyAof: new Map() };
  const dir = (name: string) => {
    let d = data.aofDirs.get(name);
    if (!d) data.aofDirs.set(name, (d = { counts: { commands: 0, flushes: 0, writesAfterFlush: 0, resp: true } }));
    return d;
  };
  const onEntry = (entry: TarEntryLike): void => {
    const parts = entry.path.split('/').filter((p) => p !== '' && p !== '.');
    const file = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
    if (file && parts.length === 1 && parts[0]!.endsWith('.rdb')) {
      const name = parts[0]!;
      collect(entry, RDB_HEAD, (head) => data.rdb.set(name, rdbSummary(head)));
    } else if (file && parts.length === 1 && parts[0]!.endsWith('.aof')) {
      const counter = new AofCounter();
      collect(entry, 0, () => data.legacyAof.set(parts[0]!, counter.counts), (c) => counter.push(c));
    } else if (file && parts.length === 2 && /\.manifest$/.test(parts[1]!)) {
      collect(entry, MANIFEST_MAX, (head) => {
        const manifest = parseAofManifest(head.toString('utf8'));
        if (manifest) dir(parts[0]!).manifest = manifest;
      });
    } else if (file && parts.length === 2 && /\.base\.rdb$/.test(parts[1]!)) {
      collect(entry, RDB_HEAD, (head) => {
        const summary = rdbSummary(head);
        const d = dir(parts[0]!);
        if (summary) d.baseRdb = summary;
      });
    } else if (file && parts.length === 2 && /\.(incr|base)\.aof$/.test(parts[1]!)) {
      const counter = new AofCounter();
      collect(entry, 0, () => {
        const into = dir(parts[0]!).counts;
        into.commands += counter.counts.commands;
        // A flush in a later part resets what came before: parts arrive in name order, which is seq order within one run.
        if (counter.counts.flushes > 0) into.writesAfterFlush = counter.counts.writesAfterFlush;
        else into.writesAfterFlush += counter.counts.writesAfterFlush;
        into.flushes += counter.counts.flushes;
        into.resp &&= counter.counts.resp;
      }, (c) => counter.push(c));
    }
    entry.resume();
  };
  return { onEntry, result: () => data };
}

/** readArchiveData reads a .tar.gz once and returns what FalkorDB data it holds (see archiveDataCollector). */
export async function readArchiveData(path: string, signal?: AbortSignal): Promise<ArchiveData> {
  const tar = await import('tar');
  const collector = archiveDataCollector();
  const parser = new tar.Parser({ onReadEntry: (e) => collector.onEntry(e as unknown as TarEntryLike) });
  await pipeline(createReadStream(path, { signal, highWaterMark: READ_CHUNK }), createGunzip({ chunkSize: 1024 * 1024 }), parser as unknown as Writable, { signal });
  return collector.result();
}
