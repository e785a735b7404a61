import { describe, expect, it } from 'vitest';
import { s3Error } from '../../../../src/core/offsite/s3-errors.js';

const ctx = { action: 'listing', where: 's3://b', endpoint: 'http://127.0.0.1:7480', credentialSource: 'environment (AWS_ACCESS_KEY_ID)' };
const sdkError = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('s3Error', () => {
  it.each([
    ['SignatureDoesNotMatch', 403, /rejected the credentials/],
    ['InvalidAccessKeyId', 403, /rejected the credentials/],
    ['NoSuchBucket', 404, /does not exist/],
    ['RequestTimeTooSkewed', 403, /clock/],
    ['TimeoutError', 0, /did not answer/],
    ['InternalError', 503, /HTTP 503/],
  ])('%s is a prerequisite (exit 10) with a hint', (name, status, text) => {
    const err = s3Error(sdkError(name, status), ctx);
    expect(err.exitCode).toBe(10);
    expect(err.message).toMatch(text);
    expect(err.hint).toBeTruthy();
  });

  it('a refused connection is exit 10 naming the endpoint', () => {
    const err = s3Error(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7480'), { code: 'ECONNREFUSED' }), ctx);
    expect(err).toMatchObject({ exitCode: 10 });
    expect(err.message).toContain('http://127.0.0.1:7480');
  });

  it('an aborted run is exit 130, whatever the SDK threw', () => {
    const ac = new AbortController();
    ac.abort();
    expect(s3Error(sdkError('AbortError', 0), { ...ctx, signal: ac.signal }).exitCode).toBe(130);
  });

  it('anything else is exit 1 with the store code', () => {
    const err = s3Error(sdkError('InvalidPart', 400), ctx);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('InvalidPart');
  });
});
