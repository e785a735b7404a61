import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, createGunzip, inflateRaw, type Gunzip } from 'node:zlib';
import { MEMBER_TRAILER_BYTES, readMemberHeader } from './gzip-member.js';

const inflateRawAsync = promisify(inflateRaw);
// Output buffers of Node's streaming gunzip; its default 16 KiB chunks made it 4x slower.
const CHUNK = 1024 * 1024;
const MAX_CHUNK = 16 * 1024 * 1024;

/** What a finished ParallelGunzip saw: indexed members inflated in parallel, and whether a streaming gunzip took over. */
export interface GunzipStats {
  indexedMembers: number;
  bytesOut: number;
  /** A member without the length field was met: from there on Node's streaming gunzip read the rest. */
  streamed: boolean;
}

/**
 * ParallelGunzip decompresses gzip. Members written by ParallelGzip carry their length
 * (gzip-member.ts): they are cut out without inflating and inflated several at a time on the libuv
 * thread pool, each checked against its CRC-32 and length, and written out in order. From the first
 * member without that field (any other gzip writer) the rest goes through Node's streaming gunzip,
 * which checks the same. Errors as Node's gunzip: not gzip, a CRC or length mismatch, a cut-off
 * member ("unexpected end of file"), and, after indexed members, bytes that are no gzip member.
 */
export class ParallelGunzip extends Transform {
  readonly stats: GunzipStats = { indexedMembers: 0, bytesOut: 0, streamed: false };
  readonly #concurrency: number;
  readonly #pending: Array<Promise<Buffer>> = [];
  #pieces: Buffer[] = [];
  #buffered = 0;
  #stream?: Gunzip;

  constructor(options: { concurrency?: number } = {}) {
    super({ writableHighWaterMark: 256 * 1024, readableHighWaterMark: 256 * 1024 });
    this.#concurrency = Math.max(1, options.concurrency ?? Math.max(2, Math.min(4, availableParallelism())));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stream) return this.#toStream(chunk, callback);
    this.#pieces.push(chunk);
    this.#buffered += chunk.length;
    this.#cutMembers().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      if (!this.#stream && this.#buffered > 0) await this.#cutMembers();
      if (this.#stream) {
        const stream = this.#stream;
        const ended = new Promise<void>((resolve, reject) => stream.once('end', resolve).once('error', reject));
        stream.end();
        return ended;
      }
      await this.#drain(0);
      if (this.#buffered > 0) throw gzipError(this.stats.indexedMembers > 0 ? 'unexpected end of file (a gzip member is cut off, or bytes follow the last one)' : 'unexpected end of file');
      if (this.stats.indexedMembers === 0) throw gzipError('unexpected end of file');
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stream?.destroy();
    for (const job of this.#pending) job.catch(() => undefined);
    this.#pending.length = 0;
    callback(error);
  }

  async #cutMembers(): Promise<void> {
    for (;;) {
      const info = readMemberHeader(this.#peek(20));
      if (info.kind === 'need-more') return;
      if (info.kind === 'not-gzip') {
        throw gzipError(this.stats.indexedMembers > 0 ? 'unexpected bytes after a gzip member' : 'incorrect header check (not a gzip file)');
      }
      if (info.kind === 'plain') return this.#startStream();
      if (this.#buffered < info.totalBytes) return;
      const member = this.#take(info.totalBytes);
      const job = this.#inflate(member, info.headerBytes);
      // Awaited in order below; this only keeps a failure from counting as unhandled meanwhile.
      job.catch(() => undefined);
      this.#pending.push(job);
      this.stats.indexedMembers += 1;
      await this.#drain(this.#concurrency - 1);
    }
  }

  async #inflate(member: Buffer, headerBytes: number): Promise<Buffer> {
    const trailer = member.length - MEMBER_TRAILER_BYTES;
    const size = member.readUInt32LE(trailer + 4);
    // One output buffer of the announced size: with 1 MiB chunks a 1 MiB block took two rounds
    // and two buffers. The cap keeps a corrupt size from allocating much; more output than
    // announced is an error (ERR_BUFFER_TOO_LARGE) instead of memory spent.
    const chunkSize = Math.min(Math.max(size + 64, 64 * 1024), MAX_CHUNK);
    const out = await inflateRawAsync(member.subarray(headerBytes, trailer), { chunkSize, maxOutputLength: size + 1 }).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? gzipError('invalid length in a gzip member') : error;
    });
    if (out.length !== size) throw gzipError('invalid length in a gzip member');
    if (crc32(out) !== member.readUInt32LE(trailer)) throw gzipError('incorrect data check (CRC-32 mismatch in a gzip member)');
    return out;
  }

  /** Writes out finished members, oldest first, until at most `keep` are in flight. */
  async #drain(keep: number): Promise<void> {
    while (this.#pending.length > keep) {
      const out = await this.#pending.shift()!;
      this.stats.bytesOut += out.length;
      this.push(out);
    }
  }

  /** From here on Node's gunzip reads the rest, starting with what is buffered. */
  async #startStream(): Promise<void> {
    await this.#drain(0);
    this.stats.streamed = true;
    const stream = createGunzip({ chunkSize: CHUNK });
    this.#stream = stream;
    stream.on('data', (out: Buffer) => {
      this.stats.bytesOut += out.length;
      if (!this.push(out)) stream.pause();
    });
    stream.on('error', (error) => this.destroy(error));
    const rest = this.#take(this.#buffered);
    await new Promise<void>((resolve, reject) => this.#toStream(rest, (error) => (error ? reject(error) : resolve())));
  }

  #toStream(chunk: Buffer, callback: TransformCallback): void {
    if (this.#stream!.write(chunk)) callback();
    else this.#stream!.once('drain', () => callback());
  }

  override _read(size: number): void {
    this.#stream?.resume();
    super._read(size);
  }

  /** The first `n` bytes buffered (fewer if fewer are there), copied only when they span pieces. */
  #peek(n: number): Buffer {
    const first = this.#pieces[0];
    if (!first || first.length >= n) return first?.subarray(0, n) ?? Buffer.alloc(0);
    const head: Buffer[] = [];
    let have = 0;
    // Only the pieces that hold the first n bytes: input may come in many tiny chunks.
    for (const piece of this.#pieces) {
      if (have >= n) break;
      head.push(piece);
      have += piece.length;
    }
    return Buffer.concat(head).subarray(0, n);
  }

  /** Removes and returns the first `n` buffered bytes (n <= buffered). */
  #take(n: number): Buffer {
    const first = this.#pieces[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#pieces.shift();
      else this.#pieces[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const piece = this.#pieces[0]!;
        const used = Math.min(piece.length, n - filled);
        piece.copy(out, filled, 0, used);
        filled += used;
        if (used === piece.length) this.#pieces.shift();
        else this.#pieces[0] = piece.subarray(used);
      }
    }
    this.#buffered -= n;
    return out;
  }
}

function gzipError(message: string): Error {
  return Object.assign(new Error(message), { code: 'Z_DATA_ERROR' });
}

/** createParallelGunzip returns a ParallelGunzip transform (see there). */
export function createParallelGunzip(options: { concurrency?: number } = {}): ParallelGunzip {
  return new ParallelGunzip(options);
}
