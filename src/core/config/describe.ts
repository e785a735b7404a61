import { maskServerArgs, REDACTED } from '../redact/redact.js';
import type { OpsConfig } from './load.js';
import { originLabel } from './resolve.js';
import { VARIABLES, VAR_NAMES, type VarName } from './variables.js';

/** One line of `autocodex-ops config`: the effective value (masked when secret) and its origin. */
export interface ConfigRow {
  name: string;
  value: string | null;
  origin: string;
  secret: boolean;
  description: string;
}

// Defaults that depend on the root or the OS are shown as the value actually in force.
function effectiveDefault(config: OpsConfig, name: VarName): string | undefined {
  const computed: Partial<Record<VarName, string>> = {
    AUTO_CODEX_ROOT: config.root,
    BACKUP_DIR: config.backupDir,
    PRE_RESTORE_BACKUP_DIR: config.preRestoreBackupDir,
    USERDATA_DIR: config.userdataDir,
    AUTOCODEX_OPS_AUDIT_LOG: config.audit.path,
  };
  return computed[name] ?? VARIABLES[name].default;
}

const RESOLVED_PATHS = new Set<VarName>(['BACKUP_DIR', 'PRE_RESTORE_BACKUP_DIR', 'USERDATA_DIR', 'AUTOCODEX_OPS_AUDIT_LOG']);

/**
 * describeConfig lists every variable with its effective value and origin; secrets are `***`
 * and server args have their password masked. With `all` false, unset variables without a default are left out.
 */
export function describeConfig(config: OpsConfig, all = false): ConfigRow[] {
  const rows: ConfigRow[] = [];
  for (const name of VAR_NAMES) {
    const spec = VARIABLES[name];
    const resolved = config.values[name];
    let value = resolved.value;
    let origin = originLabel(resolved.origin);
    if (name === 'AUTO_CODEX_ROOT') origin = resolved.value === undefined ? config.rootOrigin : origin;
    if (value === undefined) {
      value = effectiveDefault(config, name);
      if (value !== undefined && name !== 'AUTO_CODEX_ROOT') origin = 'default';
      if (name === 'USERDATA_DIR' && config.userdataDirNote) origin = `default: ${config.userdataDirNote}`;
    } else if (RESOLVED_PATHS.has(name)) {
      // A relative path is shown as resolved (flags and the environment against the working directory).
      value = effectiveDefault(config, name) ?? value;
    }
    if (value === undefined && !all) continue;
    const secret = spec.secret === true;
    const shown = value === undefined ? null : secret ? REDACTED : spec.secret === 'args' ? maskServerArgs(value) : value;
    rows.push({ name, value: shown, origin: value === undefined ? 'unset' : origin, secret, description: spec.description });
  }
  // The password the tool will use, whichever of its six places it came from (original-scripts.md §1).
  if (config.falkordb.password !== undefined) {
    rows.push({
      name: 'falkordb password (effective)',
      value: REDACTED,
      origin: originLabel(config.falkordb.passwordOrigin),
      secret: true,
      description: 'GRAPHITI_FALKORDB_PASSWORD, else FALKORDB_PASSWORD; env, then auto-codex/.env, then .env',
    });
  }
  return rows;
}
