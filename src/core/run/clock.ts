import { setTimeout as delay } from 'node:timers/promises';
import { InterruptedError, throwIfAborted } from '../errors.js';

/**
 * Clock is the time source of the poll loops: `now()` is monotonic milliseconds, and `sleep`
 * resolves after `ms` or rejects with InterruptedError as soon as `signal` aborts.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * systemClock uses `performance.now()` (immune to wall-clock jumps during a long wait) and an
 * abortable timer; an abort rejects with InterruptedError, never with a DOM AbortError.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  async sleep(ms, signal) {
    throwIfAborted(signal);
    try {
      await delay(Math.max(0, ms), undefined, { signal });
    } catch (err) {
      if (signal?.aborted) throw new InterruptedError();
      throw err;
    }
  },
};
