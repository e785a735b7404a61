import { OpsError, throwIfAborted } from '../errors.js';
import { systemClock, type Clock } from '../run/clock.js';
import type { ContainerInfo, DockerApi } from './docker.js';

// The restore readiness wait of the original scripts (original-scripts.md "Container readiness
// wait"): poll inspect every 2 s; healthy, or running without a healthcheck, is ready; unhealthy or
// a timeout fails with the log tail. We also fail fast when the container exits, and keep the log
// tail out of the message because logs can hold secrets (the printer redacts messages only).

/** Options of waitHealthy; defaults: 120 s timeout, 2 s poll, 40 log lines. */
export interface WaitHealthyOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  logLines?: number;
}

/** How the container became ready: a passing healthcheck, or running with none defined. */
export interface WaitHealthyResult {
  status: 'healthy' | 'running-no-healthcheck';
  container: ContainerInfo;
  waitedMs: number;
}

/**
 * ContainerNotReadyError reports a container that did not become ready (exit 1). The last log lines
 * are in `logs`, never in the message, because they may contain secrets.
 */
export class ContainerNotReadyError extends OpsError {
  readonly container: string;
  readonly reason: 'unhealthy' | 'exited' | 'timeout' | 'missing';
  readonly logs: string;

  constructor(container: string, reason: ContainerNotReadyError['reason'], message: string, logs: string) {
    super(message, {
      hint: `Inspect the container: docker logs --tail 80 ${container} (the last log lines are attached to this error)`,
    });
    this.container = container;
    this.reason = reason;
    this.logs = logs;
  }
}

/**
 * waitHealthy polls the container until it is running and healthy (or running with no healthcheck)
 * and resolves with which. It rejects with ContainerNotReadyError when the container is unhealthy,
 * has exited or died, disappears, or `timeoutMs` passes; with InterruptedError when the signal aborts.
 */
export async function waitHealthy(
  docker: Pick<DockerApi, 'inspectContainer' | 'containerLogs'>,
  id: string,
  options: WaitHealthyOptions = {},
): Promise<WaitHealthyResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 2_000;
  const started = clock.now();
  const fail = async (reason: ContainerNotReadyError['reason'], message: string, name = id): Promise<never> => {
    const logs = reason === 'missing' ? '' : await tailLogs(docker, id, options.logLines ?? 40);
    throw new ContainerNotReadyError(name, reason, message, logs);
  };
  let last: ContainerInfo | undefined;
  for (;;) {
    throwIfAborted(options.signal);
    const info = await docker.inspectContainer(id, { signal: options.signal });
    if (!info) return fail('missing', `Container ${last?.name ?? id} no longer exists`, last?.name);
    last = info;
    const waitedMs = clock.now() - started;
    if (info.running && info.health === 'healthy') return { status: 'healthy', container: info, waitedMs };
    if (info.running && info.state !== 'restarting' && info.health === 'none') {
      return { status: 'running-no-healthcheck', container: info, waitedMs };
    }
    if (info.state === 'exited' || info.state === 'dead') {
      const code = info.exitCode === undefined ? '' : ` with code ${info.exitCode}`;
      return fail('exited', `Container ${info.name} ${info.state === 'dead' ? 'is dead' : `exited${code}`}`, info.name);
    }
    // After exit-state: Docker may leave a stopped container marked unhealthy, but `exited` is the cause.
    if (info.health === 'unhealthy') return fail('unhealthy', `Container ${info.name} is unhealthy`, info.name);
    if (waitedMs >= timeoutMs) {
      const status = info.running ? `health: ${info.health}` : `state: ${info.state}`;
      return fail('timeout', `Timed out after ${formatMs(timeoutMs)} waiting for container ${info.name} to become healthy (${status})`, info.name);
    }
    // The one clock's sleep rejects with InterruptedError on abort.
    await clock.sleep(Math.min(pollMs, Math.max(0, timeoutMs - waitedMs)), options.signal);
  }
}

async function tailLogs(docker: Pick<DockerApi, 'containerLogs'>, id: string, lines: number): Promise<string> {
  try {
    return await docker.containerLogs(id, { tail: lines });
  } catch (error) {
    // The readiness failure is the news; unreadable logs must not replace it.
    return `(could not read the container's logs: ${error instanceof Error ? error.message : String(error)})`;
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
