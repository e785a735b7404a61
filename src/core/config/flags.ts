import type { FlagValue } from './resolve.js';
import type { VarName } from './variables.js';

/** Command-line flags that override a configuration variable (commander's camelCase key → variable and spelling). */
export const FLAG_VARIABLES = {
  outputDir: ['BACKUP_DIR', '--output-dir'],
  mode: ['FALKORDB_BACKUP_MODE', '--mode'],
  retentionDays: ['BACKUP_RETENTION_DAYS', '--retention-days'],
  userdataDir: ['USERDATA_DIR', '--userdata-dir'],
  healthTimeout: ['RESTORE_HEALTH_TIMEOUT_SECS', '--health-timeout'],
  recipient: ['AUTOCODEX_OPS_AGE_RECIPIENTS', '--recipient'],
  recipientsFile: ['AUTOCODEX_OPS_AGE_RECIPIENTS_FILE', '--recipients-file'],
} as const satisfies Record<string, readonly [VarName, string]>;

/**
 * flagOverrides turns parsed options into config overrides; `--profile production` stands for
 * AUTO_CODEX_PRODUCTION=true (CONTRACT "Commands"), `--profile default` for false.
 */
export function flagOverrides(options: Record<string, unknown>): Partial<Record<VarName, FlagValue>> {
  const out: Partial<Record<VarName, FlagValue>> = {};
  for (const [key, [name, flag]] of Object.entries(FLAG_VARIABLES)) {
    const value = options[key];
    if (value !== undefined && value !== null) out[name] = { value: String(value), flag };
  }
  if (options.profile !== undefined) {
    out.AUTO_CODEX_PRODUCTION = { value: options.profile === 'production' ? 'true' : 'false', flag: `--profile ${String(options.profile)}` };
  }
  return out;
}
