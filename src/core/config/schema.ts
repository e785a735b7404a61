import { z } from 'zod';

const wholeNumber = z.string().trim().regex(/^\d+$/, 'must be a whole number (0 or more)').transform(Number);

const port = wholeNumber.refine((n) => n >= 1 && n <= 65535, 'must be a port number from 1 to 65535');

/** How `backup falkordb` makes its copy consistent (FALKORDB_BACKUP_MODE, --mode); spelled here only. */
export const BACKUP_MODES = ['save', 'stop', 'live'] as const;
export type BackupMode = (typeof BACKUP_MODES)[number];

/** The pino log levels (AUTOCODEX_OPS_LOG_LEVEL, --log-level). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * rawConfigSchema validates the resolved string values that have rules; every failure is
 * reported at once, keyed by the variable's name.
 */
export const rawConfigSchema = z.object({
  AUTOCODEX_OPS_LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  GRAPHITI_FALKORDB_PORT: port.optional(),
  GRAPHITI_MCP_PORT: port.optional(),
  FALKORDB_BACKUP_MODE: z.enum(BACKUP_MODES).optional(),
  BACKUP_RETENTION_DAYS: wholeNumber.optional(),
  RESTORE_HEALTH_TIMEOUT_SECS: wholeNumber.refine((n) => n > 0, 'must be more than 0').optional(),
  AUTO_CODEX_AUDIT_LOG_MAX_BYTES: wholeNumber.optional(),
  AUTO_CODEX_AUDIT_LOG_BACKUPS: wholeNumber.optional(),
  AUTOCODEX_OPS_NOTIFY_ON: z.string().trim().toLowerCase().pipe(z.enum(['failure', 'always'])).optional(),
  GRAPHITI_LLM_PROVIDER: z.string().trim().toLowerCase().optional(),
  GRAPHITI_EMBEDDER_PROVIDER: z.string().trim().toLowerCase().optional(),
});

export type RawConfig = z.infer<typeof rawConfigSchema>;
