import { InterruptedError } from '../errors.js';
import { messageOf, skip, type Collected, type Collector } from './types.js';

/** One collector's outcome, under its section title. */
export interface SectionResult extends Collected {
  id: string;
  title: string;
}

/**
 * collectAll runs every collector at once, each bounded by its own timeout: a collector that
 * rejects or runs out of time becomes one skip naming the section and why, and the others still
 * count. Only an abort of `signal` (Ctrl-C) rejects, with InterruptedError.
 */
export async function collectAll(collectors: readonly Collector[], signal: AbortSignal): Promise<SectionResult[]> {
  const results = await Promise.all(
    collectors.map(async (c): Promise<SectionResult> => {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${c.timeoutMs} ms`)), c.timeoutMs);
      const stopped = new Promise<never>((_, reject) => {
        const onAbort = () => reject(new Error(`no answer within ${c.timeoutMs} ms`));
        timeout.signal.addEventListener('abort', onAbort, { once: true });
      });
      stopped.catch(() => undefined);
      try {
        // Raced as well as signalled: a collector stuck in a call that ignores the signal must not hold up the bundle.
        const got = await Promise.race([c.collect(AbortSignal.any([signal, timeout.signal])), stopped]);
        return { id: c.id, title: c.title, ...got };
      } catch (err) {
        if (signal.aborted) throw new InterruptedError();
        const reason = timeout.signal.aborted ? 'timed out' : 'failed';
        return { id: c.id, title: c.title, parts: [], skipped: [skip(`${c.id}/`, c.title, reason, messageOf(err))] };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  if (signal.aborted) throw new InterruptedError();
  return results;
}
