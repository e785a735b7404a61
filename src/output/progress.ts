import type { ProgressSink } from '../core/run/progress.js';
import { formatBytes } from '../core/format-bytes.js';
import type { OutputStream } from './printer.js';

/** A progress line on stderr: bytes done, rate and, when the total is known, percent and ETA. */
export type ProgressLine = ProgressSink;

const CLEAR = '\r\u001b[2K';

/**
 * createProgressLine draws `[backup] 120.0 MiB · 48.2 MiB/s · 40% · ETA 5 s` on `stream`,
 * redrawn at most every `intervalMs`, and clears it on stop (later updates are ignored until start). The caller decides when it may
 * appear (CONTRACT: a TTY only, never with --json or --quiet); drawing never throws.
 */
export function createProgressLine(stream: OutputStream, prefix: string, options: { intervalMs?: number; now?: () => number } = {}): ProgressLine {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 250;
  let total: number | undefined;
  let startedAt = 0;
  let lastDraw = -Infinity;
  let drawn = false;
  let stopped = false;
  const draw = (done: number) => {
    const seconds = (now() - startedAt) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const parts = [`${prefix} ${formatBytes(done)}`, `${formatBytes(Math.round(rate))}/s`];
    if (total && total > 0) {
      parts.push(`${Math.min(99, Math.floor((done / total) * 100))}%`);
      if (rate > 0 && done < total) parts.push(`ETA ${Math.ceil((total - done) / rate)} s`);
    }
    stream.write(`${CLEAR}${parts.join(' · ')}`);
    drawn = true;
  };
  return {
    start(totalBytes) {
      stopped = false;
      total = totalBytes;
      startedAt = now();
    },
    update(done) {
      // Late updates after stop (bytes still in stream buffers) must not redraw a cleared line.
      if (stopped || now() - lastDraw < interval) return;
      lastDraw = now();
      draw(done);
    },
    stop() {
      stopped = true;
      if (drawn) stream.write(CLEAR);
      drawn = false;
    },
  };
}
