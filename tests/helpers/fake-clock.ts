import { throwIfAborted } from '../../src/core/errors.js';
import type { Clock } from '../../src/core/run/clock.js';

/**
 * A fake clock: sleep advances time at once (and lets a fake server move on by the same amount);
 * like the real one, an aborted signal rejects with InterruptedError, before and after the sleep.
 */
export class FakeClock implements Clock {
  sleeps: number[] = [];
  constructor(
    private readonly onAdvance: (ms: number) => void = () => {},
    public t = 0,
  ) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.sleeps.push(ms);
    this.t += ms;
    this.onAdvance(ms);
    throwIfAborted(signal);
  }
}
