import { UsageError } from '../errors.js';

/** Where offsite copies go: a bucket and a key prefix without leading or trailing slashes ('' for the bucket's root). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

// S3's bucket naming rules (lowercase, digits, dots, hyphens, 3-63 characters); R2 and B2 follow them.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** parseS3Url reads `s3://bucket[/prefix]`; anything else is a UsageError (exit 2) naming what is wrong. */
export function parseS3Url(url: string, what = 'AUTOCODEX_OPS_S3_URL'): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!m) throw new UsageError(`${what} must look like s3://bucket[/prefix], not "${url}".`);
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw new UsageError(`${what}: "${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens).`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '..' || part === '.')) throw new UsageError(`${what}: the prefix may not contain "." or ".." segments.`);
  return { bucket, prefix };
}

/** parseS3ObjectUrl reads `s3://bucket/key` (a key is required), e.g. the argument of `restore falkordb s3://…`. */
export function parseS3ObjectUrl(url: string): { bucket: string; key: string } {
  const { bucket, prefix } = parseS3Url(url, 'the archive URL');
  if (!prefix) throw new UsageError(`The archive URL "${url}" names a bucket but no object; give s3://bucket/key.`);
  return { bucket, key: prefix };
}

/** joinKey joins key parts with `/`, skipping empty ones (an empty prefix is the bucket's root). */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('/');
}

/** describeLocation is `s3://bucket/prefix` for messages. */
export function describeLocation(loc: S3Location): string {
  return `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
}
