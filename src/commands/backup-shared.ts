import { hostname } from 'node:os';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import type { CommandContext, GlobalOptions } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import type { BackupDeps, BackupResult } from '../core/backups/backup-result.js';
import type { RetentionPolicy } from '../core/backup-store/prune.js';
import { formatBytes } from '../core/format-bytes.js';
import { lockPlace } from './locks.js';
import { createProgressLine } from '../output/progress.js';
import { VERSION } from '../version.js';
import { offsiteAfterBackup, type Offsite } from './offsite-shared.js';

const count = z.coerce.number().int().nonnegative();

/** The retention and lock options every writing backup subcommand shares (zod fields). */
export const retentionFields = {
  outputDir: z.string().min(1).optional(),
  retentionDays: count.optional(),
  keepLast: count.positive().optional(),
  keepMin: count.positive().default(1),
  wait: count.default(0),
  offsite: z.boolean().default(false),
};

/** addRetentionOptions declares --output-dir, --retention-days, --keep-last, --keep-min and --wait on a subcommand. */
export function addRetentionOptions(cmd: Command): Command {
  return cmd
    .option('--output-dir <dir>', 'backup folder (env BACKUP_DIR; default <root>/backups)')
    .option('--retention-days <n>', 'retention: remove backups of this kind older than n days (env BACKUP_RETENTION_DAYS; default: keep all)')
    .option('--keep-last <n>', 'retention: keep only the newest n (with --retention-days, only what both rules let go is removed)')
    .option('--keep-min <n>', 'never keep fewer than n backups of this kind, whatever the other rules say', '1')
    .option('--wait <seconds>', 'wait up to this long for another run holding the lock; 0 fails at once with exit 11', '0')
    .option('--offsite', 'after the local backup is verified, push it to the offsite store (env AUTOCODEX_OPS_OFFSITE=always); a failed push keeps the local backup and exits 1', false);
}

/**
 * finishBackup prints the result and, when an offsite copy was asked for, pushes it first: a
 * failed push ("local ok, offsite failed") is printed with the result, then thrown (exit 1).
 */
export async function finishBackup(ctx: CommandContext, globals: GlobalOptions, offsite: Offsite | undefined, result: BackupResult): Promise<void> {
  if (!offsite) {
    printBackup(ctx, globals, result);
    return;
  }
  const done = await offsiteAfterBackup(ctx, globals, offsite, result);
  printBackup(ctx, globals, done.result);
  if (done.failure) throw done.failure;
}

/** policyFrom combines the parsed flags with the configuration (BACKUP_RETENTION_DAYS through --retention-days). */
export function policyFrom(options: { keepLast?: number; keepMin: number }, config: OpsConfig): RetentionPolicy {
  return { retentionDays: config.retentionDays, keepLast: options.keepLast, keepMin: options.keepMin };
}

/** backupDeps builds the shared use-case dependencies; the progress line appears on a TTY only, never with --json or --quiet. */
export function backupDeps(ctx: CommandContext, globals: GlobalOptions, config: OpsConfig): BackupDeps {
  const showProgress = Boolean(ctx.runtime.stderr.isTTY) && !globals.json && !globals.quiet;
  return {
    log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m) },
    signal: ctx.signal,
    now: () => new Date(),
    hostname: hostname(),
    toolVersion: VERSION,
    ...(({ lockDir, locks }) => ({ lockDir, locks }))(lockPlace(ctx, config)),
    ...(showProgress ? { progress: createProgressLine(ctx.runtime.stderr, '[backup]') } : {}),
  };
}

/** printBackup records the result for the audit trail and prints it: the CONTRACT JSON with --json, else one summary line (nothing with --quiet). */
export function printBackup(ctx: CommandContext, globals: GlobalOptions, result: BackupResult & { offsite?: Record<string, unknown> }): void {
  // The audit record, the notification and the metrics file all read these.
  ctx.audit.touch({ kind: result.kind, archive: result.archive, sha256: result.sha256, bytes: result.bytes, ...(result.mode ? { mode: result.mode } : {}) });
  if (globals.quiet && !globals.json) return;
  ctx.printer.result(result, () => {
    const mode = result.mode ? ` (${result.mode} mode)` : '';
    const pruned = result.pruned.length > 0 ? `; retention removed ${result.pruned.length} file(s)` : '';
    return (
      `Backed up ${result.kind}${mode} to ${result.archive}: ${formatBytes(result.bytes)} ` +
      `(${formatBytes(result.uncompressedBytes)} uncompressed, ${result.entries} entries, verified) in ` +
      `${(result.durationMs / 1000).toFixed(1)} s; sha256 ${result.sha256.slice(0, 12)}… in ${basename(result.archive)}.sha256${pruned}.` +
      (result.offsite?.ok === true ? `\nOffsite copy: ${String(result.offsite.url)} (verified).` : '')
    );
  });
}

/** kindOption is `--kind` with its choices. */
export function kindOption(choices: string[], description: string, defaultValue?: string): Option {
  const option = new Option('--kind <kind>', description).choices(choices);
  return defaultValue === undefined ? option : option.default(defaultValue);
}
