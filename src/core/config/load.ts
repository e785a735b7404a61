import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { isTruthy } from './env-bool.js';
import { originLabel, resolvePassword, resolveVariables, type Resolved, type ResolveInput } from './resolve.js';
import { rawConfigSchema } from './schema.js';
import type { VarName } from './variables.js';

export interface LoadConfigInput extends ResolveInput {
  root: string;
  /** How the root was found (flag, env, discovered, cwd), for `config --show-origin`. */
  rootOrigin?: string;
  home: string;
  platform: NodeJS.Platform;
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
  backupMode: 'save' | 'stop' | 'live';
  retentionDays?: number;
  backupMaxAgeDays: number;
  backupImage?: string;
  userdataDir: string;
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

/** defaultUserdataDir is Electron's userData folder for "Auto Codex" on each OS (runbook "Data Locations"). */
export function defaultUserdataDir(platform: NodeJS.Platform, home: string, env: Record<string, string | undefined>): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Auto Codex');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Auto Codex');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'Auto Codex');
}

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
  let backupMaxAgeDays = 7;
  const maxAge = v('AUTO_CODEX_BACKUP_MAX_AGE_DAYS');
  if (maxAge !== undefined) {
    if (/^\d+$/.test(maxAge.trim())) backupMaxAgeDays = Number(maxAge.trim());
    else warnings.push('AUTO_CODEX_BACKUP_MAX_AGE_DAYS is not a valid integer; defaulting to 7.');
  }

  const inRoot = (p: string) => (isAbsolute(p) ? p : resolve(input.root, p));
  const backupDir = inRoot(v('BACKUP_DIR') ?? 'backups');
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
    logLevel: r.AUTOCODEX_OPS_LOG_LEVEL ?? 'info',
    backupDir,
    preRestoreBackupDir: v('PRE_RESTORE_BACKUP_DIR') ? inRoot(v('PRE_RESTORE_BACKUP_DIR')!) : backupDir,
    backupMode: r.FALKORDB_BACKUP_MODE ?? 'save',
    retentionDays: r.BACKUP_RETENTION_DAYS,
    backupMaxAgeDays,
    backupImage: v('BACKUP_IMAGE'),
    userdataDir: v('USERDATA_DIR') ? inRoot(v('USERDATA_DIR')!) : defaultUserdataDir(input.platform, input.home, input.env),
    restoreHealthTimeoutSecs: r.RESTORE_HEALTH_TIMEOUT_SECS ?? 120,
    skipRestoreHealthWait: isTruthy(v('SKIP_RESTORE_HEALTH_WAIT')),
    graphitiEnabled: isTruthy(v('GRAPHITI_ENABLED')),
    falkordb: {
      host: v('GRAPHITI_FALKORDB_HOST') ?? 'localhost',
      port: r.GRAPHITI_FALKORDB_PORT ?? 6380,
      password: password.value,
      passwordOrigin: password.origin,
      falkordbArgs: v('FALKORDB_ARGS'),
      redisArgs: v('REDIS_ARGS'),
      imageTag: v('FALKORDB_IMAGE_TAG'),
      containerName: v('FALKORDB_CONTAINER_NAME') ?? 'auto-codex-falkordb',
      volume: v('FALKORDB_VOLUME') ?? 'auto-codex_falkordb_data',
    },
    graphitiMcp: {
      port: r.GRAPHITI_MCP_PORT ?? 8000,
      imageTag: v('GRAPHITI_MCP_IMAGE_TAG'),
      containerName: v('GRAPHITI_MCP_CONTAINER_NAME') ?? 'auto-codex-graphiti-mcp',
    },
    composeProject: v('COMPOSE_PROJECT_NAME') ?? 'auto-codex',
    audit: {
      path: inRoot(v('AUTOCODEX_OPS_AUDIT_LOG') ?? join('logs', 'autocodex-ops-audit.jsonl')),
      appLog: v('AUTO_CODEX_AUDIT_LOG'),
      maxBytes: r.AUTO_CODEX_AUDIT_LOG_MAX_BYTES ?? 5 * 1024 * 1024,
      backups: r.AUTO_CODEX_AUDIT_LOG_BACKUPS ?? 5,
    },
    age: {
      recipients: v('AUTOCODEX_OPS_AGE_RECIPIENTS'),
      recipientsFile: v('AUTOCODEX_OPS_AGE_RECIPIENTS_FILE') ? inRoot(v('AUTOCODEX_OPS_AGE_RECIPIENTS_FILE')!) : undefined,
      identityFile: v('AUTOCODEX_OPS_AGE_IDENTITY') ? inRoot(v('AUTOCODEX_OPS_AGE_IDENTITY')!) : undefined,
    },
    notify: { urls: notifyUrls(v('AUTOCODEX_OPS_NOTIFY_URL'), warnings), on: r.AUTOCODEX_OPS_NOTIFY_ON ?? 'failure' },
    metricsFile: v('AUTOCODEX_OPS_METRICS_FILE') ? inRoot(v('AUTOCODEX_OPS_METRICS_FILE')!) : undefined,
    schedule: { cronDFile: v('AUTOCODEX_OPS_CRON_D_FILE') ?? '/etc/cron.d/autocodex-ops', systemdDir: v('AUTOCODEX_OPS_SYSTEMD_DIR') ?? '/etc/systemd/system' },
  };
  return { config, warnings };
}
