import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Streaming an archive allocates a fresh Buffer for every socket read, gzip member and inflated
// chunk: 3-4 bytes of short-lived garbage per byte archived. V8 collects it by the size of its own
// young heap, not by the buffers' outside memory, so tens of MB of dead buffers piled up before a
// collection (process.memoryUsage().arrayBuffers peaked at 40-50 MB on the 250 MB mixed volume)
// and set the process's peak RSS. Requesting a young-generation collection every 2 MiB and a full
// one every 64 MiB (V8 runs them as it schedules them) keeps that pile small. Measured on the mixed
// volume (GNU time %M): backup 104-109 MB instead of 125-143, restore 124-126 instead of 140-149, and
// on twice the volume 106 and 123-141 instead of 132 and 162; CPU time unchanged. Tried and
// dropped: young collections every 1 or 4 MiB (higher peaks), full collections alone every 16-32 MiB
// (no lower peak, 1.5-2x the CPU).

export type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;
let gc: Gc | undefined | null;

function collector(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    // --expose-gc is read when a context is created: a new context then has `gc`.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  } catch {
    gc = null;
  }
  return gc;
}

/** Bytes streamed between two young-generation collections, and between two full ones. */
export const RELEASE_EVERY = 2 * 1024 * 1024;
export const FULL_EVERY = 64 * 1024 * 1024;

/**
 * garbageReleaser returns a counter to call with the bytes that pass: every RELEASE_EVERY bytes it
 * runs a young-generation collection, which frees the stream's dead buffers, and every FULL_EVERY
 * a full one, for the buffers that were still in flight at a young collection and got promoted.
 * Without the collector (a runtime that refuses the flag) it does nothing.
 */
export function garbageReleaser(every = RELEASE_EVERY, full = FULL_EVERY, collect: () => Gc | null = collector): (bytes: number) => void {
  let since = 0;
  let sinceFull = 0;
  return (bytes) => {
    since += bytes;
    sinceFull += bytes;
    if (since < every) return;
    since = 0;
    const major = full > 0 && sinceFull >= full;
    if (major) sinceFull = 0;
    collect()?.({ type: major ? 'major' : 'minor' });
  };
}
