/**
 * One redaction module for the logger, the printer, error messages and the audit trail:
 * the app's 15 secret patterns (original-scripts.md §9), server args that carry a password,
 * exact known secret values, and any object field whose name looks like a secret.
 */

export const REDACTED = '***';

const NONE: ReadonlySet<string> = new Set();

// The app's rules 1–13: whole-token secrets.
const TOKEN_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{10,}/g,
  /sk-[A-Za-z0-9_-]{10,}/g,
  /sess-[A-Za-z0-9_-]{10,}/g,
  /codex_oauth_[A-Za-z0-9._-]{10,}/g,
  /ghp_[A-Za-z0-9]{10,}/g,
  /gho_[A-Za-z0-9]{10,}/g,
  /ghs_[A-Za-z0-9]{10,}/g,
  /ghr_[A-Za-z0-9]{10,}/g,
  /ghu_[A-Za-z0-9]{10,}/g,
  /github_pat_[A-Za-z0-9_]{10,}/g,
  /lin_api_[A-Za-z0-9]{10,}/g,
  /AIza[0-9A-Za-z_-]{35}/g,
  /ya29\.[A-Za-z0-9._-]{10,}/g,
];

// Rules 14–15 keep their prefix; plus redis' password options (`--requirepass x`, `requirepass x`).
const PREFIX_PATTERNS: RegExp[] = [
  /(Bearer\s+)(\S+)/gi,
  /((?:api[_-]?key|token|secret|password|passwd|pwd)\s*[:=]\s*)([^\s,;"'}]+)/gi,
  // Only where a value follows: prose such as "missing --requirepass for production" or a
  // placeholder (`<password>`) is not a value, and swallowing it rewrote messages and hints.
  /((?:--)?(?:requirepass|masterauth)=)([^\s`'"]+)/gi,
  /((?:--)?(?:requirepass|masterauth)\s+)(?!(?:for|to|in|on|is|are|and|or|the|a|an|with|without|missing|set|not|was|when|if|must|of|from|matches|differs|present)\b)(?![<`'"(\[*])([^\s`'")\]]+)/gi,
  /(REDISCLI_AUTH=)(\S+)/g,
  /(redis(?:s)?:\/\/[^:@/\s]*:)([^@\s]+)(@)/gi,
];

/** Field names whose whole value is a secret (`password`, `apiKey`, `GRAPHITI_FALKORDB_PASSWORD`, …). */
export const SECRET_KEY = /password|passwd|^pass$|secret|token|api[-_]?key|(^|_)auth$|oauth|credential|private[-_]?key/i;

/** Values shorter than this are never scrubbed from prose: `ab` would rewrite every word holding it. */
export const MIN_SCRUB_LENGTH = 4;

/**
 * Redactor is one run's redaction: the patterns plus the exact secret values that run's config
 * holds (added once it is loaded). run-cli creates one per run and hands it to the logger, the
 * printer, the error report and the audit session, so no secret set outlives its run.
 */
export interface Redactor {
  /**
   * Scrubs this exact value from all later logs and error messages (ignored when shorter than
   * MIN_SCRUB_LENGTH). Scrubbing is the last line of defence: secrets are kept out of output by
   * never formatting them (maskSecretFields, maskServerArgs), and results are never value-scrubbed.
   */
  addSecret(value: string | undefined): void;
  text(text: string): string;
  value<T>(value: T): T;
  /** Result data (`--json`, human results): secret-named fields and app tokens masked, never value-scrubbed. */
  result<T>(value: T): T;
  /**
   * Audit details (issue 23 §6): secret-named fields masked and the secret patterns (tokens,
   * `password=…`, `Bearer …`) scrubbed, but known values not, so a path or name that merely holds
   * the password as a word is recorded as it is.
   */
  details<T>(value: T): T;
  argv(args: readonly string[]): string[];
}

/** createRedactor returns a Redactor that knows no secret values yet. */
export function createRedactor(): Redactor {
  const known = new Set<string>();
  return {
    addSecret(value) {
      if (value && value.length >= MIN_SCRUB_LENGTH) known.add(value);
    },
    text: (text) => redactText(text, known),
    value: (value) => redactValue(value, known),
    result: (value) => maskSecretFields(value, known),
    details: (value) => redactValue(value),
    argv: (args) => redactArgv(args, known),
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * redactValues replaces each non-empty value in `secrets` with `***` where it stands as a whole
 * word: a password `backups7` is hidden in "AUTH backups7 failed" but `mybackups7x` is left alone.
 */
export function redactValues(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || !out.includes(secret)) continue;
    out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRe(secret)}(?![A-Za-z0-9])`, 'g'), REDACTED);
  }
  return out;
}

/** redactTokens replaces only the app's token shapes (`sk-…`, `ghp_…`): safe on result text, whose paths it cannot hit. */
export function redactTokens(text: string): string {
  let out = text;
  for (const re of TOKEN_PATTERNS) out = out.replace(re, REDACTED);
  return out;
}

/** redactText replaces every secret the patterns or the `known` values find in a log line or error message with `***`. */
export function redactText(text: string, known: ReadonlySet<string> = NONE): string {
  let out = redactTokens(redactValues(text, known));
  for (const re of PREFIX_PATTERNS) {
    // A third capture group (the URL's `@`) is kept; with two groups that argument is the match offset.
    out = out.replace(re, (_m, prefix: string, _secret: string, suffix: unknown) => `${prefix}${REDACTED}${typeof suffix === 'string' ? suffix : ''}`);
  }
  return out;
}

/**
 * redactValue returns a deep copy with every string redacted and every field whose name looks
 * like a secret replaced by `***`; cycles are cut, so it never throws on odd input.
 */
export function redactValue<T>(value: T, known: ReadonlySet<string> = NONE, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactText(value, known) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]' as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, known, seen)) as T;
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message, known), stack: value.stack && redactText(value.stack, known) } as T;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // Only string values are secrets; a boolean such as `secret: true` stays readable.
    out[key] = SECRET_KEY.test(key) && typeof v === 'string' && v !== '' ? REDACTED : redactValue(v, known, seen);
  }
  return out as T;
}

/**
 * maskSecretFields returns a deep copy in which every string field named like a secret is `***`
 * and app tokens (`sk-…`) are hidden; known values are not scrubbed: for result data (`--json`,
 * human results), whose paths and names must reach scripts exactly as they are. Cycles are cut.
 */
export function maskSecretFields<T>(value: T, known: ReadonlySet<string> = NONE, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactTokens(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]' as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => maskSecretFields(v, known, seen)) as T;
  // An error inside a result is a message, not result data: it gets the full scrub.
  if (value instanceof Error) return { name: value.name, message: redactText(value.message, known) } as T;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && typeof v === 'string' && v !== '' ? REDACTED : maskSecretFields(v, known, seen);
  }
  return out as T;
}

/**
 * maskServerArgs masks the value of every password option in a redis/FalkorDB argument string
 * (`--requirepass x`, `--requirepass=x`, `masterauth x`), whatever its length; the rest is kept.
 */
export function maskServerArgs(args: string): string {
  const tokens = args.split(/(\s+)/);
  let maskNext = false;
  return tokens
    .map((t) => {
      if (/^\s+$/.test(t) || t === '') return t;
      if (maskNext) {
        maskNext = false;
        return REDACTED;
      }
      const m = /^(--)?(requirepass|masterauth)(=)?(.*)$/i.exec(t);
      if (!m) return t;
      if (m[3]) return `${m[1] ?? ''}${m[2]}=${REDACTED}`;
      maskNext = m[4] === '';
      return t;
    })
    .join('');
}

// A flag whose next argument is a secret: `--password x`, `--api-key x`, `--requirepass x`.
const SECRET_FLAG = /^--?(?:[\w-]*(?:password|passwd|secret|token|api[-_]?key|credential|requirepass|masterauth)[\w-]*|auth|pass)$/i;

/**
 * redactArgv redacts an argument vector for the audit trail: every argument as text (so
 * `--password=x` becomes `--password=***`), and the whole argument after a flag named like a
 * secret (`--password x`, `--token x`), even when it starts with `-`. It never throws.
 */
export function redactArgv(args: readonly string[], known: ReadonlySet<string> = NONE): string[] {
  return args.map((arg, i) => (i > 0 && SECRET_FLAG.test(args[i - 1]!) ? REDACTED : redactText(arg, known)));
}
