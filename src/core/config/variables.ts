/**
 * The variables autocodex-ops reads, each with its per-variable lookup order
 * (original-scripts.md §1: the process environment always wins, the fallback files
 * differ per variable), its default and whether it is a secret. A data table, not ifs.
 */

/** A place a value can come from, after flags. */
export type FileSource = 'auto-codex/.env' | '.env' | 'auto-codex-ui/.env';
export type Source = 'env' | FileSource;

const STD: Source[] = ['env', 'auto-codex/.env', '.env'];
const ENV_ONLY: Source[] = ['env'];
const ROOT_FIRST: Source[] = ['env', '.env', 'auto-codex/.env'];
const UI: Source[] = ['env', 'auto-codex-ui/.env', '.env'];

export interface VariableSpec {
  /** Lookup order after flags. */
  sources: Source[];
  /** Never print the value (`args`: print it with the --requirepass value masked). */
  secret?: boolean | 'args';
  /** One line for `config` and .env.example. */
  description: string;
  /** Shown default (the typed config applies it). */
  default?: string;
}

const VARIABLE_TABLE = {
  AUTO_CODEX_ROOT: { sources: ENV_ONLY, description: 'the Auto-Codex checkout (default: nearest folder with auto-codex/ or docker-compose.yml)' },
  AUTOCODEX_OPS_LOG_LEVEL: { sources: ENV_ONLY, description: 'pino log level on stderr', default: 'info' },
  AUTO_CODEX_PRODUCTION: { sources: ENV_ONLY, description: 'production profile: escalates safety warnings to failures', default: 'false' },
  AUTO_CODEX_ENFORCE_CLEAN_GIT: { sources: ENV_ONLY, description: 'a dirty git tree fails the healthcheck', default: 'false' },
  AUTO_CODEX_ENFORCE_SANDBOX: { sources: ENV_ONLY, description: 'a bypassed Codex sandbox fails the healthcheck', default: 'false' },
  AUTO_CODEX_ENFORCE_FALKORDB_AUTH: { sources: ENV_ONLY, description: 'missing FalkorDB auth fails the healthcheck', default: 'false' },
  AUTO_CODEX_ENFORCE_BACKUPS: { sources: ENV_ONLY, description: 'stale or broken backups fail the healthcheck', default: 'false' },
  AUTO_CODEX_BACKUP_MAX_AGE_DAYS: { sources: ENV_ONLY, description: 'maximum age of the newest FalkorDB backup (0 disables the check)', default: '7' },
  AUTO_CODEX_DRILL_MAX_AGE_DAYS: { sources: ENV_ONLY, description: 'maximum age of the newest successful restore drill (0 disables the check)', default: '92' },
  AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR: { sources: ENV_ONLY, description: 'do not look for Codex auth in ~/.codex' },
  AUTO_CODEX_BYPASS_CODEX_SANDBOX: { sources: ['env', 'auto-codex/.env'], description: 'bypass the Codex CLI sandbox (keep 0 in production)' },
  AUTO_CODEX_ALLOW_UNSIGNED_UPDATES: { sources: UI, description: 'UI: accept source updates without checksums (never in production)' },
  AUTO_CODEX_ALLOW_INSECURE_TOKEN_STORAGE: { sources: UI, description: 'UI: store tokens in plaintext (never in production)' },
  OPENAI_API_KEY: { sources: STD, secret: true, description: 'OpenAI API key (Codex auth, Graphiti openai provider)' },
  CODEX_CODE_OAUTH_TOKEN: { sources: ['env', 'auto-codex/.env'], secret: true, description: 'Codex OAuth token' },
  CODEX_CONFIG_DIR: { sources: ['env', 'auto-codex/.env'], description: 'Codex config folder' },
  GRAPHITI_ENABLED: { sources: ['env', 'auto-codex/.env'], description: 'enable the memory layer (FalkorDB + Graphiti MCP) checks', default: 'false' },
  GRAPHITI_LLM_PROVIDER: { sources: STD, description: 'openai|anthropic|azure_openai|ollama|google', default: 'openai' },
  GRAPHITI_EMBEDDER_PROVIDER: { sources: STD, description: 'openai|voyage|azure_openai|ollama|google', default: 'openai' },
  ANTHROPIC_API_KEY: { sources: STD, secret: true, description: 'Anthropic API key' },
  VOYAGE_API_KEY: { sources: STD, secret: true, description: 'Voyage API key' },
  GOOGLE_API_KEY: { sources: STD, secret: true, description: 'Google API key' },
  AZURE_OPENAI_API_KEY: { sources: STD, secret: true, description: 'Azure OpenAI API key' },
  AZURE_OPENAI_BASE_URL: { sources: STD, description: 'Azure OpenAI base URL' },
  AZURE_OPENAI_LLM_DEPLOYMENT: { sources: STD, description: 'Azure OpenAI LLM deployment' },
  AZURE_OPENAI_EMBEDDING_DEPLOYMENT: { sources: STD, description: 'Azure OpenAI embedding deployment' },
  OLLAMA_BASE_URL: { sources: STD, description: 'Ollama base URL' },
  OLLAMA_LLM_MODEL: { sources: STD, description: 'Ollama LLM model' },
  OLLAMA_EMBEDDING_MODEL: { sources: STD, description: 'Ollama embedding model' },
  OLLAMA_EMBEDDING_DIM: { sources: STD, description: 'Ollama embedding dimension' },
  GRAPHITI_FALKORDB_HOST: { sources: STD, description: 'FalkorDB host', default: 'localhost' },
  GRAPHITI_FALKORDB_PORT: { sources: STD, description: 'FalkorDB port on the host', default: '6380' },
  GRAPHITI_FALKORDB_PASSWORD: { sources: STD, secret: true, description: 'FalkorDB password (must equal --requirepass)' },
  FALKORDB_PASSWORD: { sources: STD, secret: true, description: 'alias of GRAPHITI_FALKORDB_PASSWORD (compose healthcheck, UI)' },
  GRAPHITI_MCP_PORT: { sources: STD, description: 'Graphiti MCP port on the host', default: '8000' },
  FALKORDB_ARGS: { sources: ROOT_FIRST, secret: 'args', description: 'FalkorDB module args (older setups put --requirepass here)' },
  REDIS_ARGS: { sources: ROOT_FIRST, secret: 'args', description: 'redis-server args: --appendonly yes --requirepass <password>' },
  FALKORDB_IMAGE_TAG: { sources: ['env', '.env'], description: 'pinned FalkorDB image tag (never latest)' },
  GRAPHITI_MCP_IMAGE_TAG: { sources: ['env', '.env'], description: 'pinned Graphiti MCP image tag (never latest)' },
  COMPOSE_PROJECT_NAME: { sources: ['env', '.env'], description: 'compose project of the stack', default: 'auto-codex' },
  FALKORDB_CONTAINER_NAME: { sources: STD, description: 'FalkorDB container name', default: 'auto-codex-falkordb' },
  GRAPHITI_MCP_CONTAINER_NAME: { sources: STD, description: 'Graphiti MCP container name', default: 'auto-codex-graphiti-mcp' },
  FALKORDB_VOLUME: { sources: STD, description: 'FalkorDB data volume', default: 'auto-codex_falkordb_data' },
  BACKUP_DIR: { sources: ROOT_FIRST, description: 'where backups are written', default: '<root>/backups' },
  PRE_RESTORE_BACKUP_DIR: { sources: STD, description: 'where restore keeps its safety copies', default: '<BACKUP_DIR>' },
  FALKORDB_BACKUP_MODE: { sources: STD, description: 'save|stop|live', default: 'save' },
  BACKUP_RETENTION_DAYS: { sources: STD, description: 'prune backups older than N days (unset: keep all)' },
  BACKUP_IMAGE: { sources: STD, description: 'local image for helper containers (default: the FalkorDB image; never pulled)' },
  AUTOCODEX_OPS_AGE_RECIPIENTS: { sources: STD, description: 'encrypt every new backup with age to these public keys (age1…, comma- or space-separated)' },
  AUTOCODEX_OPS_AGE_RECIPIENTS_FILE: { sources: STD, description: 'encrypt every new backup to the age public keys in this file (one per line, # comments)' },
  AUTOCODEX_OPS_AGE_IDENTITY: { sources: STD, description: 'path of the age identity file that decrypts backups (mode 0600, owned by the user)' },
  USERDATA_DIR: { sources: STD, description: 'Electron userData folder', default: '<OS default>' },
  RESTORE_HEALTH_TIMEOUT_SECS: { sources: STD, description: 'how long restore waits for healthy services', default: '120' },
  SKIP_RESTORE_HEALTH_WAIT: { sources: STD, description: 'skip the post-restore health wait', default: 'false' },
  AUTOCODEX_OPS_AUDIT_LOG: { sources: STD, description: 'autocodex-ops audit trail (JSON Lines)', default: '<root>/logs/autocodex-ops-audit.jsonl' },
  AUTO_CODEX_AUDIT_LOG: {
    sources: STD,
    description: "the app's own command log (auto-codex/security/hooks.py); the app would write it, but nothing in it calls the writer, so it never appears; this tool only reads it (audit show --file)",
  },
  AUTO_CODEX_AUDIT_LOG_MAX_BYTES: { sources: STD, description: 'rotate the audit log at this size (0 = never)', default: '5242880' },
  AUTO_CODEX_AUDIT_LOG_BACKUPS: { sources: STD, description: 'rotated audit files kept', default: '5' },
  AUTOCODEX_OPS_S3_URL: { sources: STD, description: 'offsite copies: s3://bucket[/prefix] (credentials: the AWS chain, never here)' },
  AUTOCODEX_OPS_S3_ENDPOINT: { sources: STD, description: 'S3 endpoint URL for non-AWS stores (Ceph RGW, MinIO, R2, B2)' },
  AUTOCODEX_OPS_S3_REGION: { sources: STD, description: 'S3 region (else AWS_REGION)', default: 'us-east-1' },
  AUTOCODEX_OPS_S3_PATH_STYLE: { sources: STD, description: 'path-style addressing (most self-run stores need it)', default: 'false' },
  AUTOCODEX_OPS_S3_RETAIN_DAYS: { sources: STD, description: 'object-lock retention of pushed objects, in days (bucket must have object lock)' },
  AUTOCODEX_OPS_S3_LOCK_MODE: { sources: STD, description: 'COMPLIANCE or GOVERNANCE object-lock retention', default: 'COMPLIANCE' },
  AUTOCODEX_OPS_S3_TIMEOUT_SECS: { sources: STD, description: 'how long one S3 request may go unanswered', default: '30' },
  AUTOCODEX_OPS_OFFSITE: { sources: STD, description: 'always: push every new backup offsite (same as --offsite)' },
  AUTOCODEX_OPS_OFFSITE_REQUIRE_ENCRYPTION: { sources: STD, description: 'refuse to push archives that are not age-encrypted', default: 'false' },
  AUTOCODEX_OPS_NOTIFY_URL: { sources: STD, secret: true, description: 'webhook URL(s), space- or comma-separated, POSTed a JSON message after backup, drill, prune, push and production healthcheck runs' },
  AUTOCODEX_OPS_NOTIFY_ON: { sources: STD, description: 'failure|always: which runs send a notification', default: 'failure' },
  AUTOCODEX_OPS_METRICS_FILE: { sources: STD, description: "Prometheus text file rewritten after each run (node_exporter's textfile collector)" },
  AUTOCODEX_OPS_CRON_D_FILE: { sources: ENV_ONLY, description: 'the file `schedule install --target cron.d` writes', default: '/etc/cron.d/autocodex-ops' },
  AUTOCODEX_OPS_SYSTEMD_DIR: { sources: ENV_ONLY, description: 'where `schedule install --target systemd` writes its units', default: '/etc/systemd/system' },
} as const satisfies Record<string, VariableSpec>;

export type VarName = keyof typeof VARIABLE_TABLE;

/** The table, typed for lookups by name. */
export const VARIABLES: Record<VarName, VariableSpec> = VARIABLE_TABLE;

/** Every variable name, in table order. */
export const VAR_NAMES = Object.keys(VARIABLE_TABLE) as VarName[];
