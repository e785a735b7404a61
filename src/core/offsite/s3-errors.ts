import { InterruptedError, OpsError, PrerequisiteError } from '../errors.js';
import { redactText } from '../redact/redact.js';

/** What a failed S3 call looks like from the SDK: a name, maybe a code and the HTTP status. */
interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/** Context for the messages: where, and which credential source was used (never the secret). */
export interface S3ErrorContext {
  action: string;
  where: string;
  endpoint?: string;
  credentialSource: string;
  signal?: AbortSignal;
}

/**
 * s3Error turns an SDK or network failure into an OpsError with a hint: credentials, missing
 * bucket, endpoint down or hung and clock skew are prerequisites (exit 10); an abort of the run is
 * exit 130; anything else exit 1. The text passes through the redactor, so a secret never shows.
 */
export function s3Error(err: unknown, ctx: S3ErrorContext): OpsError {
  if (err instanceof OpsError) return err;
  if (ctx.signal?.aborted) return new InterruptedError();
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const code = e.Code ?? e.code ?? name;
  const status = e.$metadata?.httpStatusCode;
  const endpoint = ctx.endpoint ?? 'AWS S3';
  const detail = redactText(e.message ?? String(err));
  const at = `${ctx.action} ${ctx.where}`;
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'CredentialsProviderError', 'InvalidClientTokenId'].includes(code) || name === 'CredentialsProviderError') {
    return new PrerequisiteError(`S3 rejected the credentials while ${at} (${code}).`, {
      cause: err,
      hint: `Credentials come from ${ctx.credentialSource}; check the access key and secret there (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/credentials).`,
    });
  }
  if (code === 'NoSuchBucket') {
    return new PrerequisiteError(`The bucket of ${ctx.where} does not exist (${endpoint}).`, { cause: err, hint: 'Create it first (with object lock if you want AUTOCODEX_OPS_S3_RETAIN_DAYS), or fix AUTOCODEX_OPS_S3_URL.' });
  }
  if (code === 'RequestTimeTooSkewed') {
    return new PrerequisiteError(`S3 refused the request while ${at}: this machine's clock differs too much from the server's (RequestTimeTooSkewed).`, {
      cause: err,
      hint: 'Synchronise the clock (timedatectl set-ntp true, or chronyc makestep), then retry.',
    });
  }
  if (code === 'AccessDenied' || status === 403) {
    return new PrerequisiteError(`S3 denied access while ${at} (${code || 'HTTP 403'}): ${detail}`, {
      cause: err,
      hint: `Credentials come from ${ctx.credentialSource}; the user needs s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload and s3:ListBucketMultipartUploads on this bucket.`,
    });
  }
  const sysCode = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (NETWORK.has(sysCode) || NETWORK.has(code) || ['TimeoutError', 'RequestTimeout', 'AbortError'].includes(name) || /socket hang up|timed? ?out/i.test(detail)) {
    return new PrerequisiteError(`The S3 endpoint ${endpoint} did not answer while ${at} (${sysCode || code || name}).`, {
      cause: err,
      hint: 'Check AUTOCODEX_OPS_S3_ENDPOINT, the network and that the store is up; AUTOCODEX_OPS_S3_TIMEOUT_SECS sets how long each request may take.',
    });
  }
  if (status !== undefined && status >= 500) {
    return new PrerequisiteError(`The S3 endpoint ${endpoint} failed while ${at} (HTTP ${status}, ${code}).`, { cause: err, hint: 'The store is unhealthy or overloaded; retry later.' });
  }
  return new OpsError(`S3 failed while ${at}: ${code ? `${code}: ` : ''}${detail}`, { cause: err });
}

/** isNotFound tells a missing object (HEAD gives 404 with no body, GET gives NoSuchKey). */
export function isNotFound(err: unknown): boolean {
  const e = (err ?? {}) as SdkError;
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.Code === 'NoSuchKey' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/** isLockDenied tells a delete refused because the object version is under retention or legal hold. */
export function isLockDenied(err: unknown): boolean {
  const e = (err ?? {}) as SdkError;
  return e.name === 'AccessDenied' || e.Code === 'AccessDenied' || e.$metadata?.httpStatusCode === 403;
}
