import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { deflateRaw, gzip } from 'node:zlib';
import { storedGzipMember } from './stored-gzip.js';

const gzipAsync = promisify(gzip);
const deflateRawAsync = promisify(deflateRaw);
// Output buffer of one zlib call: a whole block, so a member comes back in one piece.
const CHUNK = 1024 * 1024;

/** Tuning of createParallelGzip; the defaults suit a volume of RDB (incompressible) plus AOF text. */
export interface ParallelGzipOptions {
  /** Deflate level of blocks that compress (default 6, gzip's own default). */
  level?: number;
  /** Uncompressed bytes per gzip member (default 1 MiB). */
  blockSize?: number;
  /** Blocks compressed at once on the libuv thread pool (default: cores, at least 2, at most 4). */
  concurrency?: number;
  /** Bytes of each block test-compressed at level 1 to decide whether the block is worth compressing (default 64 KiB). */
  probeBytes?: number;
  /** A probe that keeps more than this share of its size marks the block incompressible: it is stored (default 0.95). */
  storeRatio?: number;
}

/** What a finished ParallelGzip stream saw and produced. */
export interface GzipStats {
  bytesIn: number;
  bytesOut: number;
  blocks: number;
  storedBlocks: number;
}

// The thread pool has 4 threads by default (UV_THREADPOOL_SIZE); file I/O shares it, so more
// in flight than that only queues. measured-facts.md: 2 in flight on 2 cores ≈ pigz.
function defaultConcurrency(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}

/**
 * ParallelGzip compresses a byte stream into a sequence of independent gzip members, one per
 * block, several blocks at a time on the libuv thread pool, written out in input order. GNU tar,
 * busybox tar, gzip and Node's gunzip all read concatenated members as one stream (measured-facts.md).
 * Memory is bounded by `concurrency` blocks in and out plus the stream buffers: a slow reader
 * stops the writer through normal backpressure. A zlib failure destroys the stream with that error.
 */
export class ParallelGzip extends Transform {
  readonly stats: GzipStats = { bytesIn: 0, bytesOut: 0, blocks: 0, storedBlocks: 0 };
  readonly #level: number;
  readonly #blockSize: number;
  readonly #concurrency: number;
  readonly #probeBytes: number;
  readonly #storeRatio: number;
  readonly #pending: Array<Promise<Buffer>> = [];
  /** Input blocks whose compression finished, reused so a long stream does not churn 1 MiB buffers. */
  readonly #spare: Buffer[] = [];
  #block: Buffer;
  #filled = 0;

  constructor(options: ParallelGzipOptions = {}) {
    const blockSize = options.blockSize ?? 1024 * 1024;
    // Small stream buffers: the block window below is where the data waits.
    super({ writableHighWaterMark: 64 * 1024, readableHighWaterMark: 64 * 1024 });
    this.#level = options.level ?? 6;
    this.#blockSize = blockSize;
    this.#concurrency = Math.max(1, options.concurrency ?? defaultConcurrency());
    this.#probeBytes = options.probeBytes ?? 64 * 1024;
    this.#storeRatio = options.storeRatio ?? 0.95;
    this.#block = Buffer.allocUnsafe(blockSize);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#consume(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      // An empty input still yields one (empty) member, so the output is valid gzip.
      if (this.#filled > 0 || this.stats.blocks === 0) this.#dispatch();
      while (this.#pending.length > 0) this.#emit(await this.#pending.shift()!);
    })().then(() => callback(), callback);
  }

  async #consume(chunk: Buffer): Promise<void> {
    this.stats.bytesIn += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.#blockSize - this.#filled);
      chunk.copy(this.#block, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.#blockSize) {
        this.#dispatch();
        // Ordered output: wait for the oldest block once the window is full.
        while (this.#pending.length >= this.#concurrency) this.#emit(await this.#pending.shift()!);
      }
    }
  }

  #dispatch(): void {
    const buffer = this.#block;
    const block = buffer.subarray(0, this.#filled);
    this.#block = this.#spare.pop() ?? Buffer.allocUnsafe(this.#blockSize);
    this.#filled = 0;
    this.stats.blocks += 1;
    // zlib reads the input until its callback; only then may the buffer take new data.
    const job = this.#compress(block).finally(() => this.#spare.push(buffer));
    // Awaited later in order; this handler only stops a failure from counting as unhandled meanwhile.
    job.catch(() => undefined);
    this.#pending.push(job);
  }

  async #compress(block: Buffer): Promise<Buffer> {
    // Copied out synchronously: the block's buffer may take new data as soon as this settles.
    if (this.#level === 0) {
      this.stats.storedBlocks += 1;
      return storedGzipMember(block);
    }
    if (block.length >= 2 * this.#probeBytes) {
      // RDB payloads are mostly already compressed: deflating them at level 6 burns CPU for no
      // gain (measured-facts.md), so a cheap level-1 probe of the block's middle decides.
      const start = Math.floor((block.length - this.#probeBytes) / 2);
      const probe = await deflateRawAsync(block.subarray(start, start + this.#probeBytes), { level: 1 });
      if (probe.length > this.#probeBytes * this.#storeRatio) {
        this.stats.storedBlocks += 1;
        return storedGzipMember(block);
      }
    }
    return gzipAsync(block, { level: this.#level, chunkSize: CHUNK });
  }

  #emit(member: Buffer): void {
    this.stats.bytesOut += member.length;
    this.push(member);
  }
}

/** createParallelGzip returns a ParallelGzip transform (see there); its `stats` are final once it ends. */
export function createParallelGzip(options: ParallelGzipOptions = {}): ParallelGzip {
  return new ParallelGzip(options);
}
