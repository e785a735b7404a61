import { ConfigError } from '../errors.js';
import { isTruthy } from '../config/env-bool.js';
import type { Resolved } from '../config/resolve.js';
import { parseS3Url, type S3Location } from './s3-url.js';

/** The offsite settings (CONTRACT second wave), validated; credentials are not here: they come from the AWS chain. */
export interface OffsiteConfig {
  location: S3Location;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  /** Object-lock retention of pushed objects, when set. */
  retain?: { days: number; mode: 'COMPLIANCE' | 'GOVERNANCE' };
  /** Seconds one request may go unanswered (connect, or between bytes). */
  timeoutSecs: number;
  /** AUTOCODEX_OPS_OFFSITE=always. */
  always: boolean;
  requireEncryption: boolean;
}

type Values = Partial<Record<string, Resolved | undefined>>;

/**
 * offsiteConfigFrom reads the AUTOCODEX_OPS_S3_* variables from the resolved values (flags, env,
 * .env files); undefined when AUTOCODEX_OPS_S3_URL is unset. Invalid values are one ConfigError
 * (exit 2) listing each problem. `env` is the process environment, for AWS_REGION.
 */
export function offsiteConfigFrom(values: Values, env: Record<string, string | undefined> = {}): OffsiteConfig | undefined {
  const get = (name: string) => {
    const v = values[name]?.value?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const url = get('AUTOCODEX_OPS_S3_URL');
  const problems: string[] = [];
  const offsite = get('AUTOCODEX_OPS_OFFSITE');
  if (offsite !== undefined && !/^(always|never|off|false|0|no)$/i.test(offsite) && !isTruthy(offsite)) {
    problems.push(`AUTOCODEX_OPS_OFFSITE: "${offsite}" is not "always" (or "never")`);
  }
  const always = offsite !== undefined && (/^always$/i.test(offsite) || isTruthy(offsite));
  if (url === undefined) {
    if (always) problems.push('AUTOCODEX_OPS_OFFSITE=always needs AUTOCODEX_OPS_S3_URL (s3://bucket[/prefix])');
    if (problems.length > 0) throw new ConfigError(problems);
    return undefined;
  }
  let location: S3Location | undefined;
  try {
    location = parseS3Url(url);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const endpoint = get('AUTOCODEX_OPS_S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) problems.push(`AUTOCODEX_OPS_S3_ENDPOINT: "${endpoint}" is not an http(s) URL`);
  if (endpoint !== undefined && /^https?:\/\/[^/]*@/.test(endpoint)) problems.push('AUTOCODEX_OPS_S3_ENDPOINT: credentials do not belong in the URL; use the AWS credential chain');
  const days = get('AUTOCODEX_OPS_S3_RETAIN_DAYS');
  const daysN = days === undefined ? undefined : Number(days);
  if (daysN !== undefined && (!Number.isInteger(daysN) || daysN < 0 || daysN > 36_500)) problems.push(`AUTOCODEX_OPS_S3_RETAIN_DAYS: "${days}" is not a whole number of days (0-36500)`);
  const mode = (get('AUTOCODEX_OPS_S3_LOCK_MODE') ?? 'COMPLIANCE').toUpperCase();
  if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') problems.push(`AUTOCODEX_OPS_S3_LOCK_MODE: "${mode}" is neither COMPLIANCE nor GOVERNANCE`);
  const timeout = Number(get('AUTOCODEX_OPS_S3_TIMEOUT_SECS') ?? '30');
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600) problems.push(`AUTOCODEX_OPS_S3_TIMEOUT_SECS: "${get('AUTOCODEX_OPS_S3_TIMEOUT_SECS')}" is not a number of seconds (0-3600)`);
  if (problems.length > 0 || !location) throw new ConfigError(problems);
  return {
    location,
    ...(endpoint ? { endpoint } : {}),
    region: get('AUTOCODEX_OPS_S3_REGION') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    pathStyle: isTruthy(get('AUTOCODEX_OPS_S3_PATH_STYLE')),
    ...(daysN ? { retain: { days: daysN, mode: mode as 'COMPLIANCE' | 'GOVERNANCE' } } : {}),
    timeoutSecs: timeout,
    always,
    requireEncryption: isTruthy(get('AUTOCODEX_OPS_OFFSITE_REQUIRE_ENCRYPTION')),
  };
}
