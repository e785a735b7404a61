import { z } from 'zod';
import { BACKUP_MODES, LOG_LEVELS } from './core/config/schema.js';
import { tagProblem } from './core/stack/image-tags.js';
import { option } from './option-spec.js';

// Every option of every command, declared once (see option-spec.ts). A command lists the ones it
// takes; its commander options and its parse schema are generated from these, defaults included.

const count = z.coerce.number().int().nonnegative();
const seconds = (max: number) => z.coerce.number().int().positive().max(max);
const text = z.string().min(1);
const tag = z.string().superRefine((t, ctx) => {
  const problem = tagProblem(t);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The global options of CONTRACT "Invocation". */
export const GLOBAL_OPTIONS = {
  root: option('--root <dir>', 'the Auto-Codex checkout (default: nearest folder with auto-codex/ or docker-compose.yml)', text.optional(), { env: 'AUTO_CODEX_ROOT' }),
  json: option('--json', 'one JSON document on stdout; errors as JSON on stderr', z.boolean().optional()),
  logLevel: option('--log-level <level>', 'log level on stderr', z.enum(LOG_LEVELS).optional(), { env: 'AUTOCODEX_OPS_LOG_LEVEL' }),
  color: option('--no-color', 'plain output (also NO_COLOR)', z.boolean().optional()),
  quiet: option('-q, --quiet', 'only warnings and errors on stderr', z.boolean().optional()),
};

/** The flags of every destructive command (consent.ts). */
export const CONSENT = {
  yes: option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', z.boolean().default(false)),
  dryRun: option('--dry-run', 'print the plan and change nothing', z.boolean().default(false)),
};

export const OUTPUT_DIR = option('--output-dir <dir>', 'backup folder', text.optional(), { env: 'BACKUP_DIR' });
export const USERDATA_DIR = option('--userdata-dir <dir>', 'the Electron userData folder', text.optional(), { env: 'USERDATA_DIR' });
export const MODE = option(
  '--mode <mode>',
  'save: BGSAVE (AOF rewrites held off) then copy; stop: stop FalkorDB and Graphiti MCP while copying, restart what ran; live: copy as is',
  z.enum(BACKUP_MODES).optional(),
  { env: 'FALKORDB_BACKUP_MODE' },
);
export const PROFILE = option('--profile <profile>', 'production escalates safety warnings to failures (= AUTO_CODEX_PRODUCTION=true)', z.enum(['default', 'production']).optional());

/** The retention and lock options of every writing backup subcommand. */
export const RETENTION = {
  outputDir: OUTPUT_DIR,
  retentionDays: option('--retention-days <n>', 'retention: remove backups of this kind older than n days (unset: keep all)', count.optional(), { env: 'BACKUP_RETENTION_DAYS' }),
  keepLast: option('--keep-last <n>', 'retention: keep only the newest n (with --retention-days, only what both rules let go is removed)', count.positive().optional()),
  keepMin: option('--keep-min <n>', 'never keep fewer than n backups of this kind, whatever the other rules say', count.positive().default(1)),
  wait: option('--wait <seconds>', 'wait up to this long for another run holding the lock; 0 fails at once with exit 11', count.default(0)),
};

/** The encryption flags of the backup commands (issue 21); keys come from files and the environment, a passphrase only from the terminal. */
export const ENCRYPTION = {
  recipient: option('--recipient <age1…>', 'encrypt with age to this public key (repeatable)', z.array(text).optional(), {
    env: 'AUTOCODEX_OPS_AGE_RECIPIENTS',
    parse: (value, previous) => [...((previous as string[] | undefined) ?? []), value],
  }),
  recipientsFile: option('--recipients-file <file>', 'encrypt with age to the public keys in this file, one per line, # comments', text.optional(), { env: 'AUTOCODEX_OPS_AGE_RECIPIENTS_FILE' }),
  passphrase: option('--passphrase', 'encrypt with an age passphrase asked on the terminal (TTY only; not with recipients)', z.boolean().default(false)),
};

export const OFFSITE = option(
  '--offsite',
  'after the local backup is verified, push it to the offsite store (env AUTOCODEX_OPS_OFFSITE=always); a failed push keeps the local backup and exits 1',
  z.boolean().default(false),
);

export const BACKUP_FALKORDB = {
  ...RETENTION,
  ...ENCRYPTION,
  offsite: OFFSITE,
  mode: MODE,
  saveTimeout: option('--save-timeout <seconds>', 'limit for the background save and for an AOF rewrite to finish', seconds(86_400).default(300)),
};

export const BACKUP_USERDATA = {
  ...RETENTION,
  ...ENCRYPTION,
  offsite: OFFSITE,
  userdataDir: USERDATA_DIR,
  force: option('--force', 'back up even while the app is running (its files may be half-written), or a folder holding none of the app\'s files (settings.json, store/, config/)', z.boolean().default(false)),
};

export const BACKUP_PROJECT = {
  ...RETENTION,
  ...ENCRYPTION,
  offsite: OFFSITE,
  all: option('--all', "every project in the app's <userData>/store/projects.json", z.boolean().default(false)),
  logsOnly: option('--logs-only', "only each spec's logs/ folder and task_logs.json, not the whole .auto-codex/", z.boolean().default(false)),
  userdataDir: { ...USERDATA_DIR, help: "the Desktop app's userData folder (where store/projects.json is, for --all)" },
};

export const BACKUP_LIST = {
  remote: option('--remote', 'list the offsite copies (AUTOCODEX_OPS_S3_URL) instead: name, size, time, sha256, object-lock retention', z.boolean().default(false)),
  kind: option('--kind <kind>', 'only this kind', z.enum(['falkordb', 'userdata', 'project', 'pre-restore']).optional()),
  check: option('--check', 're-hash every archive and compare it with its .sha256 sidecar (slower)', z.boolean().default(false)),
  outputDir: OUTPUT_DIR,
};

export const BACKUP_VERIFY = {
  latest: option('--latest', 'verify the newest backup of --kind in the backup folder', z.boolean().default(false)),
  kind: option('--kind <kind>', 'with --latest: which kind', z.enum(['falkordb', 'userdata', 'project']).default('falkordb')),
  outputDir: OUTPUT_DIR,
};

export const BACKUP_PRUNE = {
  ...RETENTION,
  kind: option('--kind <kind>', 'which backups (all = falkordb and userdata; pre-restore safety copies only when asked)', z.enum(['falkordb', 'userdata', 'pre-restore', 'all']).default('all')),
  ...CONSENT,
  yes: option('-y, --yes', 'remove without asking (required when stdin is not a terminal)', z.boolean().default(false)),
  remote: option('--remote', 'prune the offsite copies (AUTOCODEX_OPS_S3_URL) by the same policy, each kind separately; object-locked ones are reported and kept', z.boolean().default(false)),
};

export const CONFIG = {
  showOrigin: option('--show-origin', 'show where each value comes from (flag, env, which .env file, default)', z.boolean().default(false)),
  all: option('--all', 'also list variables that are not set and have no default', z.boolean().default(false)),
  profile: { ...PROFILE, help: 'as healthcheck --profile' },
  outputDir: { ...OUTPUT_DIR, help: 'as backup --output-dir' },
  userdataDir: { ...USERDATA_DIR, help: 'as backup userdata --userdata-dir' },
  mode: { ...MODE, help: 'as backup falkordb --mode' },
};

export const HEALTHCHECK = {
  profile: PROFILE,
  strict: option('--strict', 'turn every warning into a failure', z.boolean().default(false)),
  only: option('--only <ids...>', 'run only these checks (comma or space separated)', z.array(z.string()).optional()),
  skip: option('--skip <ids...>', 'skip these checks', z.array(z.string()).optional()),
  listChecks: option('--list-checks', 'list the check ids and exit', z.boolean().default(false)),
  timeout: option(
    '--timeout <ms>',
    'time limit of each check in milliseconds',
    z.coerce
      .number({ error: 'not a number; expected milliseconds, a whole number from 1 to 600000 (e.g. 5000)' })
      .int({ error: 'expected milliseconds, a whole number from 1 to 600000 (e.g. 5000)' })
      .positive({ error: 'expected milliseconds, a whole number from 1 to 600000 (e.g. 5000)' })
      .max(600_000, { error: 'expected milliseconds, a whole number from 1 to 600000 (e.g. 5000)' })
      .default(5000),
  ),
};

export const LOCK_DEPS = {
  check: option('--check', 'resolve into temporary files and compare with the committed locks; exit 1 when any is stale', z.boolean().default(false)),
  backend: option('--backend <backend>', 'force a resolver (default: uv when on PATH, else pip)', z.enum(['uv', 'pip']).optional()),
  universal: option('--universal', 'uv only: one lock valid on every platform (uv pip compile --universal, uv >= 0.2.16)', z.boolean().default(false)),
  upgrade: option('--upgrade', 'move every pin to the newest allowed version (default: keep the committed pins that still resolve)', z.boolean().default(false)),
  upgradePackage: option('--upgrade-package <name>', "move this package's pin only (repeatable)", z.array(z.string()).default([]), {
    parse: (value, previous) => [...((previous as string[] | undefined) ?? []), value],
  }),
};

export const RESTORE_FALKORDB = {
  ...CONSENT,
  dryRun: option('--dry-run', 'run every check, print the plan and change nothing', z.boolean().default(false)),
  healthTimeout: option('--health-timeout <seconds>', 'how long to wait for the services to be healthy and the data loaded', seconds(86_400).optional(), { env: 'RESTORE_HEALTH_TIMEOUT_SECS' }),
  start: option('--start', 'start FalkorDB and Graphiti MCP afterwards even if they were not running', z.boolean().default(false)),
  force: option('--force', 'restore an archive that holds neither dump.rdb nor appendonlydir (or is of another kind), or one the server would not load', z.boolean().default(false)),
  resume: option('--resume', 'finish an interrupted restore from its journal: restore its archive again (no archive argument)', z.boolean().default(false)),
  undo: option('--undo', 'undo an interrupted restore: put its safety copy back and start what ran before (no archive argument)', z.boolean().default(false)),
};

export const HARDEN_FALKORDB = {
  ...CONSENT,
  passwordFromEnv: option('--password-from-env', 'use GRAPHITI_FALKORDB_PASSWORD from the environment as the server password', z.boolean().default(false)),
  generatePassword: option('--generate-password', 'generate a new server password and write it to the root .env and auto-codex/.env (never printed)', z.boolean().default(false)),
  keepOld: option('--keep-old', 'keep the old container (or its committed image) for good: recorded, so `harden --cleanup` leaves it', z.boolean().default(false)),
  cleanup: option('--cleanup', 'remove what earlier runs kept as the way back (stopped pre-harden containers, unused pre-harden images), once the new server works', z.boolean().default(false)),
  healthTimeout: { ...RESTORE_FALKORDB.healthTimeout, help: 'how long the new server may take to start and load the rescued data' },
  saveTimeout: option('--save-timeout <seconds>', 'limit for the background save and for an AOF rewrite to finish', seconds(86_400).default(300)),
};

export const DRILL_FALKORDB = {
  latest: option('--latest', 'drill the newest FalkorDB backup in the backup folder', z.boolean().default(false)),
  timeout: option('--timeout <seconds>', 'how long the scratch server may take to start and load', seconds(86_400).optional(), { env: 'RESTORE_HEALTH_TIMEOUT_SECS' }),
  keep: option('--keep', 'leave the scratch container and volume, and print how to look at them and remove them', z.boolean().default(false)),
  outputDir: OUTPUT_DIR,
};

export const DRILL_USERDATA = {
  latest: option('--latest', 'drill the newest userData backup in the backup folder', z.boolean().default(false)),
  outputDir: OUTPUT_DIR,
};

export const RESTORE_USERDATA = {
  userdataDir: USERDATA_DIR,
  ...CONSENT,
  dryRun: RESTORE_FALKORDB.dryRun,
  force: option('--force', 'restore even though the app seems to be running', z.boolean().default(false)),
};

export const RESTORE_PROJECT = {
  project: option('--project <dir>', "the project folder whose .auto-codex/ is replaced (default: the one the archive's manifest names)", text.optional()),
  ...CONSENT,
  dryRun: RESTORE_FALKORDB.dryRun,
  force: option('--force', 'restore even though a process holds a file open under .auto-codex/ (a task may be running)', z.boolean().default(false)),
};

export const ROLLBACK_SOURCE = {
  to: option('--to <target>', "bundled: the app falls back to its bundled source; previous: the updater's backup, with the current .env and specs/", z.enum(['bundled', 'previous']), { mandatory: true }),
  userdataDir: USERDATA_DIR,
  force: option('--force', 'go ahead although the app may be running (a process holds files open under userData)', z.boolean().default(false)),
  ...CONSENT,
};

export const ROLLBACK_IMAGES = {
  falkordbTag: option('--falkordb-tag <tag>', 'FalkorDB tag to deploy (default: from the previous recorded pair, else unchanged)', tag.optional()),
  graphitiTag: option('--graphiti-tag <tag>', 'Graphiti MCP tag to deploy (default: from the previous recorded pair, else unchanged)', tag.optional()),
  list: option('--list', 'show the recorded tag pairs and exit', z.boolean().default(false)),
  pull: option('--no-pull', 'never pull: fail (exit 10) when an image is not on this machine', z.boolean().default(true)),
  backup: option('--no-backup', 'skip the FalkorDB backup taken before the change', z.boolean().default(true)),
  healthTimeout: { ...RESTORE_FALKORDB.healthTimeout, help: 'how long to wait for each service to become healthy', schema: seconds(3600).optional() },
  composeFile: option('--compose-file <file...>', "compose file(s) to use (default: compose's own lookup in the root, override file included)", z.array(text).default([])),
  ...CONSENT,
};

export const AUDIT_SHOW = {
  since: option('--since <when>', 'only records since a duration ago (7d, 12h, 30m) or a date (2024-05-01)', z.string().optional()),
  command: option('--command <name>', 'only this command and its subcommands (e.g. backup, "backup prune")', text.optional()),
  outcome: option('--outcome <outcome>', 'only this outcome (failed includes interrupted)', z.enum(['ok', 'failed', 'interrupted']).optional()),
  limit: option('--limit <n>', 'only the newest n records', z.coerce.number().int().positive().optional()),
  file: option('--file <path>', 'read this trail instead, e.g. the app log AUTO_CODEX_AUDIT_LOG', text.optional()),
};

export const AUDIT_VERIFY = {
  file: option('--file <path>', 'verify this trail instead of AUTOCODEX_OPS_AUDIT_LOG', text.optional()),
};

export const SUPPORT_BUNDLE = {
  output: option('--output <file>', 'where to write the bundle (a folder: the default name inside it)', text.optional()),
  project: option('--project <dir...>', 'a project whose task logs to take (repeatable; default: the projects in <userData>/store/projects.json)', z.array(text).default([])),
  tail: option('--tail <n>', 'container log lines per service', z.coerce.number().int().positive().max(1_000_000).default(500)),
  since: option('--since <duration>', 'only task logs modified since then (7d, 12h, 2024-05-01)', text.optional()),
  maxSize: option('--max-size <size>', 'most content the bundle holds, uncompressed; the largest logs are cut first', text.default('100MB')),
  userdataDir: { ...USERDATA_DIR, help: "the Desktop app's userData folder" },
  dryRun: option('--dry-run', 'list what would be collected, with sizes; write nothing', z.boolean().default(false)),
};

const SCHEDULE_TARGET = option(
  '--target <where>',
  'auto: systemd timers when systemd runs (as root), else /etc/cron.d/autocodex-ops as root, else your crontab',
  z.enum(['auto', 'systemd', 'cron.d', 'crontab']).default('auto'),
);

export const SCHEDULE_INSTALL = {
  falkordb: option('--falkordb <when>', 'FalkorDB backup: a cron expression or daily|weekly|monthly (default daily at 02:30)', z.string().optional()),
  userdata: option('--userdata <when>', 'userData backup (default: not scheduled; daily is 02:45)', z.string().optional()),
  projects: option('--projects <when>', 'project backups, where this build has `backup project` (daily is 03:00)', z.string().optional()),
  drill: option('--drill <when>', 'restore drill, where this build has `drill falkordb` (default monthly, 04:00 on the 1st)', z.string().optional()),
  retentionDays: option('--retention-days <n>', 'passed to the backup jobs', count.optional()),
  keepMin: option('--keep-min <n>', 'passed to the backup jobs', count.positive().optional()),
  replaceOld: option(
    '--replace-old',
    'replace the crontab/cron.d lines that run backup-falkordb.sh or backup-userdata.sh, keeping their time and variables (a copy of each file is saved first)',
    z.boolean().default(false),
  ),
  dryRun: option('--dry-run', 'print the jobs and the old lines found; change nothing', z.boolean().default(false)),
  target: SCHEDULE_TARGET,
};

export const SCHEDULE_REMOVE = {
  restoreOld: option('--restore-old', "put back the old scripts' lines replaced by `install --replace-old`", z.boolean().default(false)),
  target: SCHEDULE_TARGET,
};

export const PROJECTS_LIST = {
  project: option('--project <dir...>', 'a project folder (repeatable; default: the projects in <userData>/store/projects.json)', z.array(text).default([])),
  userdataDir: { ...USERDATA_DIR, help: "the Desktop app's userData folder (where store/projects.json is)" },
  outputDir: { ...OUTPUT_DIR, help: 'the backup folder searched for the newest project backup' },
};
