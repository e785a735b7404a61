/** How long one named phase of a restore took (the result lists them; the bench reads them). */
export interface PhaseTiming {
  name: string;
  ms: number;
  ok: boolean;
}

/** The narrow logger a restore writes to (pino fits). */
export interface RestoreLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * Phases runs a restore as a pipeline of named steps: it logs each step as it starts, times it,
 * and remembers the one that was running when something failed, so an error can say "failed
 * while wiping the volume". A failing step's error passes through unchanged.
 */
export class Phases {
  readonly timings: PhaseTiming[] = [];
  #current: string | undefined;
  readonly #log: RestoreLog;
  readonly #now: () => number;

  constructor(log: RestoreLog, now: () => number = () => performance.now()) {
    this.#log = log;
    this.#now = now;
  }

  /** The phase that is running, or that failed last; undefined after a phase succeeded. */
  get current(): string | undefined {
    return this.#current;
  }

  /** run logs `<Name>.`, runs `fn` and records its duration; the error of `fn` is rethrown as is. */
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.#current = name;
    this.#log.info(`${name.charAt(0).toUpperCase()}${name.slice(1)}.`);
    const started = this.#now();
    try {
      const value = await fn();
      this.timings.push({ name, ms: Math.round(this.#now() - started), ok: true });
      this.#current = undefined;
      return value;
    } catch (error) {
      this.timings.push({ name, ms: Math.round(this.#now() - started), ok: false });
      throw error;
    }
  }
}
