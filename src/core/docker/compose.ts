import { InterruptedError, throwIfAborted } from '../errors.js';
import { createExec, type Exec } from '../exec/exec.js';

// Compose is only shelled out to where the original scripts used it (`compose start/stop/down`);
// everything else goes through the engine API. v2 (the `docker compose` plugin) is preferred;
// v1's `docker-compose` is still what Debian ships. A standalone `docker-compose` may also be v2.

/** A usable compose CLI: the argv prefix to run it and its version. */
export interface ComposeCli {
  /** e.g. `['docker', 'compose']` or `['docker-compose']`. */
  command: string[];
  /** e.g. `2.29.1` or `1.29.2`. */
  version: string;
  major: number;
}

/** Options of detectCompose; `exec` defaults to the execa-backed Exec (loaded on first use). */
export interface DetectComposeOptions {
  exec?: Exec;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const CANDIDATES: ReadonlyArray<readonly string[]> = [
  ['docker', 'compose'],
  ['docker-compose'],
];

/**
 * detectCompose tries `docker compose version`, then `docker-compose version`, and returns the first
 * that exits 0 with a parsable version, or undefined when neither works. It rejects only with
 * InterruptedError when the signal aborts.
 */
export async function detectCompose(options: DetectComposeOptions = {}): Promise<ComposeCli | undefined> {
  const exec = options.exec ?? createExec();
  for (const command of CANDIDATES) {
    throwIfAborted(options.signal);
    const [file, ...prefix] = command as [string, ...string[]];
    const result = await exec.run(file, [...prefix, 'version'], { signal: options.signal, timeoutMs: options.timeoutMs ?? 10_000 });
    if (options.signal?.aborted) throw new InterruptedError();
    if (result.notFound || result.exitCode !== 0) continue;
    const version = parseComposeVersion(result.stdout);
    if (version) return { command: [...command], version, major: Number(version.split('.')[0]) };
  }
  return undefined;
}

/**
 * parseComposeVersion extracts the version from `docker compose version` output
 * (`Docker Compose version v2.29.1`, `docker-compose version 1.29.2, build unknown`); undefined if absent.
 */
export function parseComposeVersion(output: string): string | undefined {
  const match = /version\s+v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)/i.exec(output);
  return match?.[1];
}
