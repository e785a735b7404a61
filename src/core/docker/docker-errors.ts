import { InterruptedError, OpsError, PrerequisiteError } from '../errors.js';

/** DockerEngineError is an error response from the engine (HTTP status in `statusCode`); exit 1. */
export class DockerEngineError extends OpsError {
  readonly statusCode?: number;

  constructor(message: string, options: { statusCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { hint: options.hint, cause: options.cause });
    this.statusCode = options.statusCode;
  }
}

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** engineUnreachable is the PrerequisiteError (exit 10) for an engine that does not answer at `endpoint`. */
export function engineUnreachable(endpoint: string, reason: string, cause?: unknown): PrerequisiteError {
  return new PrerequisiteError(`Docker engine is not reachable at ${endpoint}: ${reason}`, {
    hint:
      'Start Docker (Docker Desktop, `colima start`, or `sudo systemctl start docker`), then check DOCKER_HOST ' +
      'and the current context (`docker context ls`); on Linux your user may need to be in the docker group.',
    cause,
  });
}

/** isNotFound tells whether an error is the engine's 404 (no such container, volume or image). */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** statusOf returns the HTTP status carried by an engine error, if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * toDockerError maps what the transport throws to an OpsError: a connection failure becomes
 * PrerequisiteError (exit 10), an aborted request InterruptedError (130), an HTTP error
 * DockerEngineError with the engine's message prefixed by `what`. OpsErrors pass through unchanged.
 */
export function toDockerError(error: unknown, what: string, endpoint: string): OpsError {
  if (error instanceof OpsError) return error;
  const err = error as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: string } };
  if (err?.name === 'AbortError' || err?.code === 'ABORT_ERR') return new InterruptedError(undefined, { cause: error });
  if (err?.code && UNREACHABLE_CODES.has(err.code) && statusOf(error) === undefined) {
    return engineUnreachable(endpoint, `${err.code}${err.message ? ` (${err.message})` : ''}`, error);
  }
  const detail = err?.json?.message ?? (err instanceof Error ? err.message : String(error));
  return new DockerEngineError(`${what}: ${detail.trim()}`, { statusCode: statusOf(error), cause: error });
}
