import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { ConfigError } from '../errors.js';
import { isTruthy } from './env-bool.js';
import { originLabel, resolvePassword, resolveVariables, type Resolved, type ResolveInput } from './resolve.js';
import { rawConfigSchema, type BackupMode } from './schema.js';
import { chooseUserdataDir, userdataBase } from './userdata-dir.js';
import { VARIABLES, VAR_NAMES, type FileSource, type VarName } from './variables.js';

export interface LoadConfigInput extends ResolveInput {
  root: string;
  /** How the root was found (flag, env, discovered, cwd), for `config --show-origin`. */
  rootOrigin?: string;
  home: string;
  platform: NodeJS.Platform;
  /** Where relative paths from flags and the environment are taken (default: the root). */
  cwd?: string;
  /** Whether a path exists, to tell which userData folder the app uses (default: none exists). */
  exists?: (path: string) => boolean;
}

/** The validated, typed configuration every command works from; `values` keeps each raw value's origin. */
export interface OpsConfig {
  root: string;
  rootOrigin: string;
  values: Record<VarName, Resolved>;
  production: boolean;
  enforce: { cleanGit: boolean; sandbox: boolean; falkordbAuth: boolean; backups: boolean };
  logLevel: string;
  backupDir: string;
  preRestoreBackupDir: string;
  backupMode: BackupMode;
  retentionDays?: number;
  backupMaxAgeDays: number;
  /** AUTO_CODEX_DRILL_MAX_AGE_DAYS: the restore-drill healthcheck's limit (0 disables it). */
  drillMaxAgeDays: number;
  backupImage?: string;
  userdataDir: string;
  /** How the userData folder was chosen, for `config` (the default looks for two names). */
  userdataDirNote?: string;
  restoreHealthTimeoutSecs: number;
  skipRestoreHealthWait: boolean;
  graphitiEnabled: boolean;
  falkordb: {
    host: string;
    port: number;
    password?: string;
    passwordOrigin: Resolved['origin'];
    falkordbArgs?: string;
    redisArgs?: string;
    imageTag?: string;
    containerName: string;
    volume: string;
  };
  graphitiMcp: { port: number; imageTag?: string; containerName: string };
  composeProject: string;
  audit: { path: string; appLog?: string; maxBytes: number; backups: number };
  /** Problems that did not stop loading (the same list loadConfig returns), for the config-warnings check. */
  warnings: string[];
  /** Issue 21: age recipients (raw text and a file's path) for new backups, and the identity file for reading them. */
  age: { recipients?: string; recipientsFile?: string; identityFile?: string };
  /** Webhooks told about runs (issue 25); `urls` are secrets, registered for redaction like passwords. */
  notify: { urls: string[]; on: 'failure' | 'always' };
  metricsFile?: string;
  schedule: { cronDFile: string; systemdDir: string };
}

export interface LoadConfigResult {
  config: OpsConfig;
  /** Problems that do not stop the run (the scripts' lenient parsing), each a full sentence. */
  warnings: string[];
}

/** defaultOf is a variable's default from the table in variables.ts, the one place it is written. */
export function defaultOf(name: VarName): string {
  const value = (VARIABLES[name] as { default?: string }).default;
  if (value === undefined) throw new Error(`${name} has no default in variables.ts`);
  return value;
}

/** defaultUserdataDir is Electron's userData folder for "Auto Codex" on each OS (runbook "Data Locations"). */
export function defaultUserdataDir(platform: NodeJS.Platform, home: string, env: Record<string, string | undefined>): string {
  return join(userdataBase(platform, home, env), 'Auto Codex');
}

const isBlank = (v: string | undefined) => v === undefined || v.trim() === '';

/**
 * notifyUrls splits AUTOCODEX_OPS_NOTIFY_URL on spaces and commas. A value that is not an http(s)
 * URL is left out with a warning that does not quote it (it may hold a token): a scheduled backup
 * must not fail because its notification is misconfigured.
 */
export function notifyUrls(raw: string | undefined, warnings: string[]): string[] {
  const urls: string[] = [];
  (raw ?? '').split(/[\s,]+/).filter(Boolean).forEach((text, i) => {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(text).protocol);
    } catch {
      ok = false;
    }
    if (ok) urls.push(text);
    else warnings.push(`AUTOCODEX_OPS_NOTIFY_URL: entry ${i + 1} is not an http(s) URL; no notification goes there.`);
  });
  return urls;
}

/**
 * loadConfig is the one pure configuration loader: env map and .env contents in, validated config
 * out. It throws ConfigError listing every invalid value as `NAME: message (from <origin>)`.
 */
export function loadConfig(input: LoadConfigInput): LoadConfigResult {
  const values = resolveVariables(input);
  const v = (name: VarName) => values[name].value;
  const warnings: string[] = [];

  const raw = Object.fromEntries(Object.keys(rawConfigSchema.shape).map((k) => [k, v(k as VarName)]));
  const parsed = rawConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') as VarName;
        const got = values[name]?.value;
        return `${name}: ${issue.message} (got '${got}', from ${originLabel(values[name]?.origin ?? { kind: 'unset' })})`;
      }),
      'Fix the values above in the environment or the named .env file; `autocodex-ops config --show-origin` shows where each comes from.',
    );
  }
  const r = parsed.data;

  // The scripts warn and fall back to 7 on a bad max age rather than refusing to run (original-scripts.md §1, check 10).
  let backupMaxAgeDays = Number(defaultOf('AUTO_CODEX_BACKUP_MAX_AGE_DAYS'));
  const maxAge = v('AUTO_CODEX_BACKUP_MAX_AGE_DAYS');
  if (maxAge !== undefined) {
    if (/^\d+$/.test(maxAge.trim())) backupMaxAgeDays = Number(maxAge.trim());
    else warnings.push(`AUTO_CODEX_BACKUP_MAX_AGE_DAYS is not a valid integer; defaulting to ${backupMaxAgeDays}.`);
  }

  let drillMaxAgeDays = Number(defaultOf('AUTO_CODEX_DRILL_MAX_AGE_DAYS'));
  const drillAge = v('AUTO_CODEX_DRILL_MAX_AGE_DAYS');
  if (drillAge !== undefined) {
    if (/^\d+$/.test(drillAge.trim())) drillMaxAgeDays = Number(drillAge.trim());
    else warnings.push(`AUTO_CODEX_DRILL_MAX_AGE_DAYS is not a valid integer; defaulting to ${drillMaxAgeDays}.`);
  }

  // Environment-only switches written into a .env file have no effect; say so rather than let a user believe production is on.
  for (const name of VAR_NAMES) {
    if (VARIABLES[name].sources.length !== 1 || VARIABLES[name].sources[0] !== 'env') continue;
    const files = (Object.entries(input.files) as [FileSource, string][]).filter(([, text]) => !isBlank(parse(text)[name]));
    for (const [file] of files) warnings.push(`${name} is set in ${file}, but it is read from the environment only: that value has no effect (export it, or pass the matching flag).`);
  }

  // One rule for relative paths: a flag's or the environment's against the working directory, as every
  // Unix tool does; a .env file's (and the defaults) against the root, where those files live.
  const inRoot = (p: string) => (isAbsolute(p) ? p : resolve(input.root, p));
  const pathOf = (name: VarName, fallback?: string): string | undefined => {
    const raw = v(name);
    if (raw === undefined) return fallback === undefined ? undefined : inRoot(fallback);
    const kind = values[name].origin.kind;
    return isAbsolute(raw) ? raw : resolve(kind === 'flag' || kind === 'env' ? (input.cwd ?? input.root) : input.root, raw);
  };
  const backupDir = pathOf('BACKUP_DIR', 'backups')!;
  const userdata = v('USERDATA_DIR') ? { dir: pathOf('USERDATA_DIR')!, note: undefined } : chooseUserdataDir(input.platform, input.home, input.env, input.exists ?? (() => false));
  const password = resolvePassword(input);

  const production = isTruthy(v('AUTO_CODEX_PRODUCTION'));
  const config: OpsConfig = {
    root: input.root,
    rootOrigin: input.rootOrigin ?? 'flag',
    values,
    production,
    enforce: {
      cleanGit: production || isTruthy(v('AUTO_CODEX_ENFORCE_CLEAN_GIT')),
      sandbox: production || isTruthy(v('AUTO_CODEX_ENFORCE_SANDBOX')),
      falkordbAuth: production || isTruthy(v('AUTO_CODEX_ENFORCE_FALKORDB_AUTH')),
      backups: production || isTruthy(v('AUTO_CODEX_ENFORCE_BACKUPS')),
    },
    logLevel: r.AUTOCODEX_OPS_LOG_LEVEL ?? defaultOf('AUTOCODEX_OPS_LOG_LEVEL'),
    backupDir,
    preRestoreBackupDir: pathOf('PRE_RESTORE_BACKUP_DIR') ?? backupDir,
    backupMode: r.FALKORDB_BACKUP_MODE ?? (defaultOf('FALKORDB_BACKUP_MODE') as BackupMode),
    retentionDays: r.BACKUP_RETENTION_DAYS,
    backupMaxAgeDays,
    drillMaxAgeDays,
    backupImage: v('BACKUP_IMAGE'),
    userdataDir: userdata.dir,
    ...(userdata.note ? { userdataDirNote: userdata.note } : {}),
    restoreHealthTimeoutSecs: r.RESTORE_HEALTH_TIMEOUT_SECS ?? Number(defaultOf('RESTORE_HEALTH_TIMEOUT_SECS')),
    skipRestoreHealthWait: isTruthy(v('SKIP_RESTORE_HEALTH_WAIT')),
    graphitiEnabled: isTruthy(v('GRAPHITI_ENABLED')),
    falkordb: {
      host: v('GRAPHITI_FALKORDB_HOST') ?? defaultOf('GRAPHITI_FALKORDB_HOST'),
      port: r.GRAPHITI_FALKORDB_PORT ?? Number(defaultOf('GRAPHITI_FALKORDB_PORT')),
      password: password.value,
      passwordOrigin: password.origin,
      falkordbArgs: v('FALKORDB_ARGS'),
      redisArgs: v('REDIS_ARGS'),
      imageTag: v('FALKORDB_IMAGE_TAG'),
      containerName: v('FALKORDB_CONTAINER_NAME') ?? defaultOf('FALKORDB_CONTAINER_NAME'),
      volume: v('FALKORDB_VOLUME') ?? defaultOf('FALKORDB_VOLUME'),
    },
    graphitiMcp: {
      port: r.GRAPHITI_MCP_PORT ?? Number(defaultOf('GRAPHITI_MCP_PORT')),
      imageTag: v('GRAPHITI_MCP_IMAGE_TAG'),
      containerName: v('GRAPHITI_MCP_CONTAINER_NAME') ?? defaultOf('GRAPHITI_MCP_CONTAINER_NAME'),
    },
    composeProject: v('COMPOSE_PROJECT_NAME') ?? defaultOf('COMPOSE_PROJECT_NAME'),
    audit: {
      path: pathOf('AUTOCODEX_OPS_AUDIT_LOG', join('logs', 'autocodex-ops-audit.jsonl'))!,
      appLog: v('AUTO_CODEX_AUDIT_LOG'),
      maxBytes: r.AUTO_CODEX_AUDIT_LOG_MAX_BYTES ?? Number(defaultOf('AUTO_CODEX_AUDIT_LOG_MAX_BYTES')),
      backups: r.AUTO_CODEX_AUDIT_LOG_BACKUPS ?? Number(defaultOf('AUTO_CODEX_AUDIT_LOG_BACKUPS')),
    },
    warnings,
    age: {
      recipients: v('AUTOCODEX_OPS_AGE_RECIPIENTS'),
      recipientsFile: pathOf('AUTOCODEX_OPS_AGE_RECIPIENTS_FILE'),
      identityFile: pathOf('AUTOCODEX_OPS_AGE_IDENTITY'),
    },
    notify: { urls: notifyUrls(v('AUTOCODEX_OPS_NOTIFY_URL'), warnings), on: r.AUTOCODEX_OPS_NOTIFY_ON ?? 'failure' },
    metricsFile: pathOf('AUTOCODEX_OPS_METRICS_FILE'),
    schedule: { cronDFile: v('AUTOCODEX_OPS_CRON_D_FILE') ?? '/etc/cron.d/autocodex-ops', systemdDir: v('AUTOCODEX_OPS_SYSTEMD_DIR') ?? '/etc/systemd/system' },
  };
  return { config, warnings };
}
