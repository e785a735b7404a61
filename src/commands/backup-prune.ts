import { Command } from 'commander';
import { lockPlace, retentionPolicy, type App } from '../app.js';
import { BACKUP_PRUNE } from '../cli-options.js';
import { consentFor } from '../consent.js';
import { createContext } from '../context.js';
import { removedWithReasons, type PruneDecision } from '../core/backup-store/prune.js';
import { runPrune, type PruneTarget } from '../core/backups/run-prune.js';
import type { OpsConfig } from '../core/config/load.js';
import { ReportedFailure } from '../core/errors.js';
import { addOptions, flagOverrides, schemaOf, type OptionsOf } from '../option-spec.js';
import { describeDecision, renderPrune } from '../output/backup.js';
import { pruneRemoteCommand } from './offsite-prune.js';

const schema = schemaOf(BACKUP_PRUNE);

function targets(kind: OptionsOf<typeof BACKUP_PRUNE>['kind'], config: OpsConfig): PruneTarget[] {
  const pre: PruneTarget[] = [
    { kind: 'falkordb-pre-restore', dir: config.preRestoreBackupDir },
    { kind: 'userdata-pre-restore', dir: config.preRestoreBackupDir },
  ];
  if (kind === 'pre-restore') return pre;
  if (kind === 'all') return [{ kind: 'falkordb', dir: config.backupDir }, { kind: 'userdata', dir: config.backupDir }];
  return [{ kind, dir: config.backupDir }];
}

/** backupPruneCommand applies the retention policy on demand; asks on a TTY, needs --yes otherwise (exit 2, before any I/O); "no" is exit 1; --dry-run changes nothing. */
export function backupPruneCommand(app: App): Command {
  const cmd = new Command('prune').description('remove old backups by the retention policy, listing what is kept and removed and why (the newest of each kind always stays)');
  return addOptions(cmd, BACKUP_PRUNE).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'backup');
    const ask = consentFor('remove backups', options, app.runtime, (text) => ctx.log.info(text));
    const config = await ctx.config(flagOverrides(BACKUP_PRUNE, options));
    if (options.remote) {
      await pruneRemoteCommand(ctx, config, retentionPolicy(options, config), { dryRun: options.dryRun, yes: options.yes, wait: options.wait }, (question) => ask(question));
      return;
    }
    const confirm = (doomed: readonly PruneDecision[]) => ask(`${doomed.map(describeDecision).join('\n')}\nRemove these ${doomed.length} backup(s) and their sidecars.`);
    const report = await runPrune(
      { targets: targets(options.kind, config), policy: retentionPolicy(options, config), dryRun: options.dryRun, waitSeconds: options.wait },
      { log: ctx.log, signal: ctx.signal, now: () => new Date(), ...(({ lockDir, locks }) => ({ lockDir, locks }))(lockPlace(ctx, config)), confirm },
    );
    // The audit record names every file removed and why, what could not be removed, and how many backups stayed (issue 23 §6).
    ctx.audit.touch({
      dryRun: report.dryRun,
      kind: options.kind,
      pruned: removedWithReasons(report.decisions, report.removed),
      kept: report.decisions.filter((d) => d.action === 'keep').length,
      ...(report.dryRun ? { wouldRemove: report.decisions.filter((d) => d.action === 'remove').map((d) => ({ path: d.path, reason: d.reason })) } : {}),
      ...(report.failures.length > 0 ? { failures: report.failures } : {}),
    });
    ctx.printer.result(report, () => renderPrune(report, config.backupDir));
    if (report.failures.length > 0) throw new ReportedFailure(`backup prune could not remove ${report.failures.length} file(s)`);
  });
}
