import { open } from 'node:fs/promises';
import { InterruptedError } from '../errors.js';

/** The four multipart calls, so the part scheduling is tested without a server. */
export interface MultipartApi {
  create(): Promise<string>;
  uploadPart(uploadId: string, partNumber: number, body: Buffer, signal: AbortSignal): Promise<string>;
  complete(uploadId: string, parts: { PartNumber: number; ETag: string }[]): Promise<void>;
  abort(uploadId: string): Promise<void>;
}

export interface MultipartOptions {
  path: string;
  size: number;
  partSize: number;
  /** Parts in flight at once; memory is about concurrency × partSize. */
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (bytesSent: number) => void;
}

/** S3's limit is 10,000 parts; grow the part size in whole MiB so any file fits. */
export function choosePartSize(size: number, minPartSize = 8 * 1024 * 1024): number {
  const mib = 1024 * 1024;
  return Math.max(minPartSize, Math.ceil(size / 9_000 / mib) * mib);
}

/**
 * uploadMultipart streams a file in parts read straight from disk (no whole-file buffer), with a
 * few parts in flight. Any failure or abort aborts the upload on the server before rejecting,
 * so no parts are left behind; a SIGKILL is cleaned up by the next run (cleanStaleUploads).
 */
export async function uploadMultipart(api: MultipartApi, options: MultipartOptions): Promise<void> {
  const { size, partSize, concurrency } = options;
  const count = Math.max(1, Math.ceil(size / partSize));
  const uploadId = await api.create();
  const local = new AbortController();
  const onAbort = () => local.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const fh = await open(options.path, 'r');
  const parts: { PartNumber: number; ETag: string }[] = [];
  let next = 0;
  let sent = 0;
  try {
    const worker = async () => {
      // One buffer per worker, reused part after part: memory stays concurrency × partSize
      // instead of waiting for the garbage collector to free a fresh buffer per part.
      const buffer = Buffer.allocUnsafe(Math.min(partSize, size));
      while (next < count && !local.signal.aborted) {
        const index = next++;
        const start = index * partSize;
        const length = Math.min(partSize, size - start);
        const body = buffer.subarray(0, length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(body, got, length - got, start + got);
          if (bytesRead === 0) throw new Error(`${options.path} shrank while it was being uploaded`);
          got += bytesRead;
        }
        const etag = await api.uploadPart(uploadId, index + 1, body, local.signal);
        parts[index] = { PartNumber: index + 1, ETag: etag };
        sent += length;
        options.onProgress?.(sent);
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, count) }, async () => {
      try {
        await worker();
      } catch (err) {
        local.abort();
        throw err;
      }
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (options.signal?.aborted) throw new InterruptedError();
    if (failed) throw failed.reason;
    await api.complete(uploadId, parts);
  } catch (err) {
    await api.abort(uploadId).catch(() => undefined);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await fh.close();
  }
}
