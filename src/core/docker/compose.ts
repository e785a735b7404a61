import { InterruptedError, throwIfAborted } from '../errors.js';
import { createExec, type Exec } from '../exec/exec.js';
import { pythonScriptVersion } from '../exec/python-script.js';
import { which } from '../exec/which.js';

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
export function detectCompose(options: DetectComposeOptions = {}): Promise<ComposeCli | undefined> {
  return firstWorking(CANDIDATES, options);
}

async function firstWorking(candidates: typeof CANDIDATES, options: DetectComposeOptions): Promise<ComposeCli | undefined> {
  const exec = options.exec ?? createExec();
  for (const command of candidates) {
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
 * detectComposeFast answers like detectCompose, but when `docker compose` is missing and the
 * `docker-compose` on PATH is a Python script (Debian's v1), it reads the version from the script's
 * header or package metadata instead of starting Python (0.7 s or more); ELF builds (v2
 * standalone, PyInstaller v1) and anything unclear are run as detectCompose runs them.
 */
export async function detectComposeFast(options: DetectComposeOptions & { env: Readonly<Record<string, string | undefined>> }): Promise<ComposeCli | undefined> {
  const v2 = await firstWorking(CANDIDATES.slice(0, 1), options);
  if (v2) return v2;
  const file = await which('docker-compose', options.env.PATH ?? '');
  const version = file && (await pythonScriptVersion(file, 'docker-compose', options.env));
  throwIfAborted(options.signal);
  if (version && /^\d+\.\d+\.\d+/.test(version)) return { command: ['docker-compose'], version, major: Number(version.split('.')[0]) };
  return firstWorking(CANDIDATES.slice(1), options);
}

/**
 * parseComposeVersion extracts the version from `docker compose version` output
 * (`Docker Compose version v2.29.1`, `docker-compose version 1.29.2, build unknown`); undefined if absent.
 */
export function parseComposeVersion(output: string): string | undefined {
  const match = /version\s+v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)/i.exec(output);
  return match?.[1];
}
