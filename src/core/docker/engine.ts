import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { DockerApi, EngineVersion } from './docker.js';
import { engineUnreachable } from './docker-errors.js';

/** Default time to wait for the engine to answer `/_ping`: long enough for a VM-backed engine, short enough for a healthcheck. */
export const DEFAULT_PING_TIMEOUT_MS = 3_000;

/** Options of pingEngine and engineVersion. */
export interface EngineCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * pingEngine resolves when the engine answers `/_ping` within `timeoutMs` (default 3 s). Any failure —
 * no socket, refused, timeout, error response — rejects with PrerequisiteError (exit 10)
 * "Docker engine is not reachable at <endpoint>: <reason>" with a hint; an abort rejects with InterruptedError.
 */
export async function pingEngine(docker: Pick<DockerApi, 'ping' | 'endpoint'>, options: EngineCallOptions = {}): Promise<void> {
  await withEngineTimeout(docker.endpoint, options, (signal) => docker.ping({ signal }));
}

/**
 * engineVersion returns the engine and API versions, with the same timeout and errors as pingEngine.
 */
export async function engineVersion(
  docker: Pick<DockerApi, 'version' | 'endpoint'>,
  options: EngineCallOptions = {},
): Promise<EngineVersion> {
  return withEngineTimeout(docker.endpoint, options, (signal) => docker.version({ signal }));
}

async function withEngineTimeout<T>(
  endpoint: string,
  options: EngineCallOptions,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  throwIfAborted(options.signal);
  const timeoutMs = options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const controller = new AbortController();
  let settle: (outcome: 'timeout' | 'aborted') => void = () => {};
  // Race as well as abort: a transport that ignores the signal (a hung TCP connect) must not hang us.
  const stopped = new Promise<'timeout' | 'aborted'>((resolve) => (settle = resolve));
  const onAbort = () => {
    controller.abort();
    settle('aborted');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort();
    settle('timeout');
  }, timeoutMs);
  try {
    const outcome = await Promise.race([
      call(controller.signal).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      stopped,
    ]);
    if (outcome === 'aborted' || options.signal?.aborted) throw new InterruptedError();
    if (outcome === 'timeout' || controller.signal.aborted) throw engineUnreachable(endpoint, `no answer within ${timeoutMs} ms`);
    if ('error' in outcome) {
      const { error } = outcome;
      if (error instanceof OpsError && error.exitCode === ExitCode.Prerequisite) throw error;
      throw engineUnreachable(endpoint, reasonOf(error), error);
    }
    return outcome.value;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
