import { InterruptedError, OpsError, PrerequisiteError } from '../errors.js';
import { redactValues } from '../redact/redact.js';

/** FalkorDB cannot be reached or does not answer in time (exit 10): refused, timeout, DNS, silent server. */
export class FalkorUnreachableError extends PrerequisiteError {}

/** FalkorDB refused our credentials or wants some we do not have (exit 10, a config problem). */
export class FalkorAuthError extends PrerequisiteError {}

/**
 * FalkorDB answered `-LOADING`: it is up but still reading its dataset (exit 10 when not
 * handled). Callers that can wait (restore's health wait) catch this type and poll again.
 */
export class FalkorLoadingError extends PrerequisiteError {}

/** FalkorDB answered a command with an error reply (exit 1); `reply` is the server's text. */
export class FalkorCommandError extends OpsError {
  readonly command: string;
  readonly reply: string;
  constructor(message: string, command: string, reply: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.command = command;
    this.reply = reply;
  }
}

/** What mapRedisError needs to know to explain a failure; `secrets` are redacted from all text. */
export interface ErrorContext {
  where: string;
  command: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  passwordConfigured: boolean;
  secrets: readonly string[];
  aborted: boolean;
  /** The last error ioredis emitted on the socket: "Connection is closed." alone says nothing. */
  lastSocketError?: Error;
}

const unreachableHint =
  'Check that the FalkorDB container is running and that GRAPHITI_FALKORDB_HOST / GRAPHITI_FALKORDB_PORT ' +
  'point at it (docker compose ps; docker compose logs falkordb).';

/**
 * mapRedisError turns an ioredis failure into the OpsError the CLI prints: transport problems
 * become FalkorUnreachableError, auth replies FalkorAuthError, `-LOADING` FalkorLoadingError,
 * other error replies FalkorCommandError, and anything after an abort InterruptedError. The
 * original error is never kept as `cause`: ioredis attaches the command's args to reply errors,
 * and for AUTH those args are the password.
 */
export function mapRedisError(err: unknown, ctx: ErrorContext): OpsError {
  if (ctx.aborted) return new InterruptedError();
  if (err instanceof OpsError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  // Every message built here is scrubbed of the connection's secrets.
  const clean = (s: string) => redactValues(s, ctx.secrets);
  const cause = sanitized(e, clean);
  if (e.name === 'ReplyError') return mapReply(clean(e.message), ctx, cause);
  if (/command timed out/i.test(e.message)) {
    return new FalkorUnreachableError(
      `FalkorDB at ${ctx.where} accepted the connection but did not answer ${ctx.command} within ${ctx.commandTimeoutMs} ms.`,
      {
        cause,
        hint: `Something is listening on ${ctx.where} but is stuck or does not speak the Redis protocol; check GRAPHITI_FALKORDB_PORT and the container's logs.`,
      },
    );
  }
  const socket = ctx.lastSocketError ?? e;
  return new FalkorUnreachableError(`FalkorDB at ${ctx.where} is unreachable: ${clean(describeSocketError(socket, ctx))}.`, {
    cause: sanitized(socket, clean),
    hint: unreachableHint,
  });
}

function mapReply(reply: string, ctx: ErrorContext, cause: Error): OpsError {
  if (/^LOADING\b/.test(reply)) {
    return new FalkorLoadingError(`FalkorDB at ${ctx.where} is still loading its dataset into memory.`, {
      cause,
      hint: 'Wait until loading finishes (a large graph can take minutes) and try again.',
    });
  }
  if (/^NOAUTH\b/.test(reply)) {
    return ctx.passwordConfigured
      ? new FalkorAuthError(`FalkorDB at ${ctx.where} still requires authentication after AUTH (NOAUTH).`, {
          cause,
          hint: 'Check that GRAPHITI_FALKORDB_PASSWORD matches the --requirepass of the FalkorDB container.',
        })
      : new FalkorAuthError(`FalkorDB at ${ctx.where} requires a password, but none is configured (NOAUTH).`, {
          cause,
          hint: "Set GRAPHITI_FALKORDB_PASSWORD (or FALKORDB_PASSWORD) to the server's --requirepass value.",
        });
  }
  if (/^WRONGPASS\b|invalid password|invalid username-password/i.test(reply)) {
    return new FalkorAuthError(`FalkorDB at ${ctx.where} rejected the configured credentials (WRONGPASS).`, {
      cause,
      hint: 'Check that GRAPHITI_FALKORDB_PASSWORD matches --requirepass in FALKORDB_ARGS / REDIS_ARGS of the FalkorDB container.',
    });
  }
  return new FalkorCommandError(`FalkorDB at ${ctx.where} rejected ${ctx.command}: ${reply}`, ctx.command, reply, { cause });
}

function describeSocketError(err: Error, ctx: ErrorContext): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens on that port)';
    case 'ETIMEDOUT':
      return `no TCP connection within ${ctx.connectTimeoutMs} ms`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the server closed the connection';
    default:
      // ioredis' parser says "Protocol error … Please report this" when e.g. an HTTP proxy answers.
      if (/protocol error/i.test(err.message)) {
        const detail = err.message.replace(/\. Please report this\.?$/, '');
        return `something answered that does not speak the Redis protocol (${detail})`;
      }
      return err.message.replace(/\.$/, '');
  }
}

function sanitized(err: Error, clean: (s: string) => string): Error {
  const copy = new Error(clean(err.message));
  copy.name = err.name;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined) (copy as NodeJS.ErrnoException).code = code;
  return copy;
}
