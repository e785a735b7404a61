import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

// Reads of one buffer, reused: the same size digestFile reads a finished file with.
const READ = 1024 * 1024;
// Written bytes kept for the comparison before the writer waits for the read-back.
const BEHIND = 2 * READ;

/** A read-back of a file that follows its writer (see trailingReadBack). */
export interface TrailingReadBack {
  /** The writer put `bytes` into the file; resolves at once unless the read-back is BEHIND bytes behind. */
  wrote(bytes: Buffer): Promise<void>;
  /** After the last write (and fsync): reads the rest to the end of the file; the digest and size of what it read. */
  finish(): Promise<{ sha256: string; bytes: number }>;
}

/**
 * trailingReadBack reads a file back through the writer's own read-write handle (positional reads,
 * which leave the writer's offset alone) while it is being written, a megabyte behind, compares
 * every byte with what was written, and hashes what the file system returned. A read after the
 * write call returned gives what a read after fsync would (both come from the same file), so this
 * is a full read-back's guarantee without a second pass at the end, and the one SHA-256 of the
 * archive is taken from the file itself. The written buffers are held until compared (at most
 * BEHIND bytes: the writer waits beyond that), so nothing upstream may reuse them. `finish` fails
 * when a byte differs, the file is shorter, or it holds more than was written.
 */
export function trailingReadBack(fh: FileHandle): TrailingReadBack {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(READ);
  const queue: Buffer[] = [];
  let queued = 0;
  let checked = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  let caughtUp: (() => void) | undefined;
  const nudge = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Compares `read` with the oldest written bytes and drops them from the queue. */
  const compare = (read: Buffer) => {
    for (let at = 0; at < read.length; ) {
      const head = queue[0]!;
      const n = Math.min(head.length, read.length - at);
      if (!read.subarray(at, at + n).equals(head.subarray(0, n))) {
        let i = 0;
        while (read[at + i] === head[i]) i += 1;
        throw new Error(`the file differs from what was written at byte ${checked + at + i}`);
      }
      at += n;
      if (n === head.length) queue.shift();
      else queue[0] = head.subarray(n);
    }
  };
  const reading = (async () => {
    for (;;) {
      if (!ended && queued < READ) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      // At the end, one byte more than was written: a read that returns it finds a longer file.
      const want = ended ? Math.min(READ, queued + 1) : READ;
      const { bytesRead } = await fh.read(buffer, 0, want, checked);
      if (bytesRead > queued) throw new Error(`the file holds more than the ${checked + queued} bytes written`);
      if (bytesRead === 0) {
        if (queued > 0) throw new Error(`the file holds ${checked} bytes, ${checked + queued} were written`);
        return;
      }
      const read = buffer.subarray(0, bytesRead);
      compare(read);
      hash.update(read);
      checked += bytesRead;
      queued -= bytesRead;
      if (queued < BEHIND) {
        const c = caughtUp;
        caughtUp = undefined;
        c?.();
      }
    }
  })();
  // Reported by finish(); a write that failed first never calls it.
  reading.catch(() => undefined);
  // A failed read-back must not leave the writer waiting for it.
  const released = reading.then(
    () => undefined,
    () => undefined,
  );
  return {
    wrote(bytes) {
      if (bytes.length === 0) return Promise.resolve();
      queue.push(bytes);
      queued += bytes.length;
      if (queued >= READ) nudge();
      if (queued < BEHIND) return Promise.resolve();
      return Promise.race([new Promise<void>((resolve) => (caughtUp = resolve)), released]);
    },
    async finish() {
      ended = true;
      nudge();
      await reading;
      return { sha256: hash.digest('hex'), bytes: checked };
    },
  };
}
