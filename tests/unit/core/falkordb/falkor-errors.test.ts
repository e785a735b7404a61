import { describe, expect, it } from 'vitest';
import { InterruptedError, OpsError } from '../../../../src/core/errors.js';
import {
  type ErrorContext,
  FalkorAuthError,
  FalkorCommandError,
  FalkorLoadingError,
  FalkorUnreachableError,
  mapRedisError,
} from '../../../../src/core/falkordb/falkor-errors.js';

const ctx = (over: Partial<ErrorContext> = {}): ErrorContext => ({
  where: '127.0.0.1:6379',
  command: 'PING',
  commandTimeoutMs: 5000,
  connectTimeoutMs: 2000,
  passwordConfigured: true,
  secrets: ['hunter2'],
  aborted: false,
  ...over,
});

// ioredis' ReplyError carries the command args; for AUTH they are the password.
function replyError(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  Object.assign(err, { command: { name: 'auth', args: ['hunter2'] } });
  return err;
}

const socketError = (code: string, message = `connect ${code} 127.0.0.1:6379`) =>
  Object.assign(new Error(message), { code });

describe('mapRedisError', () => {
  it.each([
    ['WRONGPASS invalid username-password pair or user is disabled.', FalkorAuthError, /rejected the configured credentials/, /GRAPHITI_FALKORDB_PASSWORD matches/],
    ['ERR invalid password', FalkorAuthError, /rejected the configured credentials/, /--requirepass/],
    ['LOADING Redis is loading the dataset in memory', FalkorLoadingError, /still loading/, /Wait/],
  ])('maps the reply %j', (reply, type, message, hint) => {
    const err = mapRedisError(replyError(reply), ctx());
    expect(err).toBeInstanceOf(type);
    expect(err.exitCode).toBe(10);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(hint);
  });

  it('explains NOAUTH with and without a configured password', () => {
    const none = mapRedisError(replyError('NOAUTH Authentication required.'), ctx({ passwordConfigured: false }));
    expect(none).toBeInstanceOf(FalkorAuthError);
    expect(none.message).toMatch(/requires a password, but none is configured/);
    expect(none.hint).toMatch(/Set GRAPHITI_FALKORDB_PASSWORD/);
    const some = mapRedisError(replyError('NOAUTH Authentication required.'), ctx());
    expect(some.hint).toMatch(/matches the --requirepass/);
  });

  it('keeps other error replies as FalkorCommandError (exit 1) with the reply text', () => {
    const err = mapRedisError(replyError("ERR unknown command 'GRAPH.LIST'"), ctx({ command: 'GRAPH.LIST' }));
    expect(err).toBeInstanceOf(FalkorCommandError);
    expect(err.exitCode).toBe(1);
    expect((err as FalkorCommandError).reply).toBe("ERR unknown command 'GRAPH.LIST'");
  });

  it.each([
    ['ECONNREFUSED', /unreachable: connection refused/],
    ['ETIMEDOUT', /unreachable: no TCP connection within 2000 ms/],
    ['ENOTFOUND', /host name does not resolve/],
    ['EHOSTUNREACH', /no route to the host/],
  ])('maps socket error %s to FalkorUnreachableError (exit 10)', (code, message) => {
    const err = mapRedisError(new Error('Connection is closed.'), ctx({ lastSocketError: socketError(code) }));
    expect(err).toBeInstanceOf(FalkorUnreachableError);
    expect(err.exitCode).toBe(10);
    expect(err.message).toMatch(/^FalkorDB at 127\.0\.0\.1:6379 is unreachable/);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/GRAPHITI_FALKORDB_HOST/);
  });

  it('says a silent server did not answer within the command timeout', () => {
    const err = mapRedisError(new Error('Command timed out'), ctx({ command: 'AUTH' }));
    expect(err).toBeInstanceOf(FalkorUnreachableError);
    expect(err.message).toBe('FalkorDB at 127.0.0.1:6379 accepted the connection but did not answer AUTH within 5000 ms.');
  });

  it('turns any failure after an abort into InterruptedError', () => {
    expect(mapRedisError(new Error('Connection is closed.'), ctx({ aborted: true }))).toBeInstanceOf(InterruptedError);
  });

  it('passes OpsErrors through unchanged', () => {
    const original = new OpsError('already mapped');
    expect(mapRedisError(original, ctx())).toBe(original);
  });

  it('never lets the password into the message or the cause chain', () => {
    const err = mapRedisError(replyError('ERR weird reply echoing hunter2 back'), ctx());
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('***');
    const cause = err.cause as Error & { command?: unknown };
    expect(cause.message).not.toContain('hunter2');
    expect(cause.command).toBeUndefined();
    expect(JSON.stringify({ ...err, message: err.message, cause: { ...cause, message: cause.message } })).not.toContain(
      'hunter2',
    );
  });
});
