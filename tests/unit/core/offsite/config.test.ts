import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/core/errors.js';
import { offsiteConfigFrom } from '../../../../src/core/offsite/config.js';
import { parseS3ObjectUrl, parseS3Url } from '../../../../src/core/offsite/s3-url.js';

const v = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, origin: { kind: 'env' } as never }]));

describe('offsite configuration', () => {
  it('is absent without AUTOCODEX_OPS_S3_URL', () => {
    expect(offsiteConfigFrom(v({}))).toBeUndefined();
  });

  it('reads bucket, prefix, endpoint, path style, retention and always', () => {
    const c = offsiteConfigFrom(
      v({
        AUTOCODEX_OPS_S3_URL: 's3://my-bucket/team/host1/',
        AUTOCODEX_OPS_S3_ENDPOINT: 'http://127.0.0.1:7480',
        AUTOCODEX_OPS_S3_PATH_STYLE: 'yes',
        AUTOCODEX_OPS_S3_RETAIN_DAYS: '30',
        AUTOCODEX_OPS_S3_LOCK_MODE: 'governance',
        AUTOCODEX_OPS_OFFSITE: 'always',
      }),
      { AWS_REGION: 'eu-west-1' },
    );
    expect(c).toMatchObject({ location: { bucket: 'my-bucket', prefix: 'team/host1' }, endpoint: 'http://127.0.0.1:7480', pathStyle: true, region: 'eu-west-1', retain: { days: 30, mode: 'GOVERNANCE' }, always: true, timeoutSecs: 30 });
  });

  it('lists every invalid value at once (exit 2)', () => {
    let err: unknown;
    try {
      offsiteConfigFrom(v({ AUTOCODEX_OPS_S3_URL: 's3://Bad_Bucket', AUTOCODEX_OPS_S3_RETAIN_DAYS: 'ten', AUTOCODEX_OPS_S3_LOCK_MODE: 'strict', AUTOCODEX_OPS_S3_ENDPOINT: 'http://key:secret@host' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).issues).toHaveLength(4);
  });

  it('AUTOCODEX_OPS_OFFSITE=always without a URL is a configuration error, not a silent no-op', () => {
    expect(() => offsiteConfigFrom(v({ AUTOCODEX_OPS_OFFSITE: 'always' }))).toThrow(ConfigError);
    expect(() => offsiteConfigFrom(v({ AUTOCODEX_OPS_OFFSITE: 'sometimes', AUTOCODEX_OPS_S3_URL: 's3://abc' }))).toThrow(/not "always"/);
  });
});

describe('s3:// URLs', () => {
  it('parses bucket and prefix, and refuses what is not one', () => {
    expect(parseS3Url('s3://abc')).toEqual({ bucket: 'abc', prefix: '' });
    expect(parseS3ObjectUrl('s3://abc/p/userdata/userdata_20260101_000000.tar.gz')).toEqual({ bucket: 'abc', key: 'p/userdata/userdata_20260101_000000.tar.gz' });
    expect(() => parseS3Url('https://abc')).toThrow(/s3:\/\/bucket/);
    expect(() => parseS3Url('s3://abc/../x')).toThrow(/\.\./);
    expect(() => parseS3ObjectUrl('s3://abc')).toThrow(/no object/);
  });
});
