import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One entry of an archive, as listed. */
export interface ArchiveEntry {
  path: string;
  type: string;
  size: number;
  linkpath?: string;
}

export interface ArchiveListing {
  entries: ArchiveEntry[];
  /** Bytes of file content (uncompressed). */
  contentBytes: number;
}

/**
 * readArchive reads a .tar.gz from start to end (every entry's data, the gzip CRC and length),
 * and lists its entries. It rejects when the archive is truncated, corrupt or not gzip/tar.
 */
export async function readArchive(path: string, signal?: AbortSignal): Promise<ArchiveListing> {
  const tar = await import('tar');
  const entries: ArchiveEntry[] = [];
  let contentBytes = 0;
  let problem: Error | undefined;
  const parser = new tar.Parser({
    strict: true,
    onwarn: (code: string, message: string | Error) => {
      problem ??= new Error(`${code}: ${message instanceof Error ? message.message : message}`);
    },
    onReadEntry: (entry) => {
      entries.push({ path: entry.path, type: entry.type, size: entry.size, linkpath: entry.linkpath || undefined });
      entry.on('data', (chunk: Buffer) => (contentBytes += chunk.length));
      entry.resume();
    },
  });
  // Node's own gunzip checks every member's CRC and length and rejects a cut-off stream
  // ("unexpected end of file"); node-tar's built-in gzip detection let some truncations through.
  await pipeline(createReadStream(path, { signal, highWaterMark: 1024 * 1024 }), createGunzip(), parser as unknown as Writable, { signal });
  if (problem) throw problem;
  return { entries, contentBytes };
}

/** looksLikeFalkorData says whether the entries hold FalkorDB/Redis data: a dump.rdb or an appendonlydir. */
export function looksLikeFalkorData(entries: readonly ArchiveEntry[]): boolean {
  return entries.some((e) => {
    const p = e.path.replace(/^\.\//, '').replace(/\/$/, '');
    return p === 'dump.rdb' || p === 'appendonlydir' || p.startsWith('appendonlydir/') || p.endsWith('.rdb');
  });
}
