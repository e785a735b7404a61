import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { describeDecision, type PruneDecision } from '../core/backup-store/prune.js';
import { runPrune, type PruneTarget } from '../core/backups/run-prune.js';
import { flagOverrides } from '../core/config/flags.js';
import type { OpsConfig } from '../core/config/load.js';
import { ReportedFailure } from '../core/errors.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { lockPlace } from './locks.js';
import { askOnTerminal } from '../output/confirm.js';
import type { Runtime } from '../runtime.js';
import { addRetentionOptions, kindOption, policyFrom, retentionFields } from './backup-shared.js';
import type { BackupCommandDeps } from './backup.js';
import { pruneRemoteCommand } from './offsite-prune.js';

/** The options of `backup prune` as commander hands them over; an invalid value fails with exit 2. */
export const backupPruneOptionsSchema = z
  .object({
    ...retentionFields,
    kind: z.enum(['falkordb', 'userdata', 'pre-restore', 'all']).default('all'),
    dryRun: z.boolean().default(false),
    yes: z.boolean().default(false),
    remote: z.boolean().default(false),
  })
  .strict();
/** Parsed options of `backup prune`. */
export type BackupPruneOptions = z.infer<typeof backupPruneOptionsSchema>;

function targets(kind: BackupPruneOptions['kind'], config: OpsConfig): PruneTarget[] {
  const pre: PruneTarget[] = [
    { kind: 'falkordb-pre-restore', dir: config.preRestoreBackupDir },
    { kind: 'userdata-pre-restore', dir: config.preRestoreBackupDir },
  ];
  if (kind === 'pre-restore') return pre;
  if (kind === 'all') return [{ kind: 'falkordb', dir: config.backupDir }, { kind: 'userdata', dir: config.backupDir }];
  return [{ kind, dir: config.backupDir }];
}

/** backupPruneCommand applies the retention policy on demand; asks on a TTY, needs --yes otherwise (exit 2); --dry-run changes nothing. */
export function backupPruneCommand(runtime: Runtime, deps: BackupCommandDeps): Command {
  const cmd = new Command('prune')
    .description('remove old backups by the retention policy, listing what is kept and removed and why (the newest of each kind always stays)')
    .addOption(kindOption(['falkordb', 'userdata', 'pre-restore', 'all'], 'which backups (all = falkordb and userdata; pre-restore safety copies only when asked)', 'all'))
    .option('--dry-run', 'print the plan and change nothing', false)
    .option('--yes', 'remove without asking (required when stdin is not a terminal)', false)
    .option('--remote', 'prune the offsite copies (AUTOCODEX_OPS_S3_URL) by the same policy, each kind separately; object-locked ones are reported and kept', false);
  return addRetentionOptions(cmd)
    .addHelpText('after', exitStatusHelp())
    .action(async (raw: unknown, command: Command) => {
      const options = backupPruneOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'backup');
      const config = await ctx.config(flagOverrides(options));
      if (options.remote) {
        const ask = (question: string) => (deps.confirm ? deps.confirm(question, [], ctx.signal) : askOnTerminal(question, ctx.signal));
        await pruneRemoteCommand(ctx, config, policyFrom(options, config), { dryRun: options.dryRun, yes: options.yes, wait: options.wait }, ask);
        return;
      }
      const confirm = async (question: string, doomed: readonly PruneDecision[]) => {
        runtime.stderr.write(`${doomed.map(describeDecision).join('\n')}\n`);
        return deps.confirm ? deps.confirm(question, doomed, ctx.signal) : askOnTerminal(question, ctx.signal);
      };
      const report = await runPrune(
        { targets: targets(options.kind, config), policy: policyFrom(options, config), dryRun: options.dryRun, yes: options.yes, waitSeconds: options.wait },
        { log: ctx.log, signal: ctx.signal, now: () => new Date(), lockDir: lockPlace(ctx, config).lockDir, locks: lockPlace(ctx, config).locks, ...(runtime.stdinIsTTY ? { confirm } : {}) },
      );
      ctx.printer.result(report, () => {
        if (report.decisions.length === 0) return `No backups to prune in ${config.backupDir}.`;
        const lines = report.decisions.map(describeDecision);
        const removing = report.decisions.filter((d) => d.action === 'remove').length;
        if (report.dryRun) lines.push(`Dry run: ${removing} backup(s) would be removed; nothing was changed.`);
        else if (report.cancelled) lines.push('Cancelled; nothing was removed.');
        else lines.push(`Removed ${report.removed.length} file(s)${report.failures.length ? `; ${report.failures.length} could not be removed` : ''}.`);
        return lines.join('\n');
      });
      if (report.failures.length > 0) throw new ReportedFailure(`backup prune could not remove ${report.failures.length} file(s)`);
    });
}
