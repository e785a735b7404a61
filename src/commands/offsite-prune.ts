import type { CommandContext } from '../context.js';
import type { RetentionPolicy } from '../core/backup-store/prune.js';
import type { OpsConfig } from '../core/config/load.js';
import { DeclinedError, UsageError } from '../core/errors.js';
import { pruneRemote, type RemotePruneDecision, type RemotePruneReport } from '../core/offsite/remote-prune.js';
import { prefixLockDir, requireOffsite } from './offsite-shared.js';

function describe(d: RemotePruneDecision): string {
  const verb = { keep: 'keep   ', remove: 'remove ', removed: 'removed', locked: 'locked ' }[d.action];
  return `${verb} ${d.url}: ${d.reason}`;
}

/**
 * pruneRemoteCommand is `backup prune --remote`: the local retention policy applied to the
 * offsite copies, each kind separately. Consent as for every destructive command: --dry-run
 * needs none, --yes gives it, no TTY without --yes is exit 2 before any change, "no" is exit 1.
 */
export async function pruneRemoteCommand(
  ctx: CommandContext,
  config: OpsConfig,
  policy: RetentionPolicy,
  options: { dryRun: boolean; yes: boolean; wait: number },
  ask: (question: string) => Promise<boolean>,
): Promise<void> {
  if (!options.dryRun && !options.yes && !ctx.runtime.stdinIsTTY) {
    throw new UsageError('Refusing to prune offsite copies without confirmation: stdin is not a terminal and --yes was not given; nothing was changed.', {
      hint: 'Preview with --dry-run, then run again with --yes.',
    });
  }
  const offsite = await requireOffsite(ctx, config);
  const deps = {
    store: await offsite.store(),
    location: offsite.config.location,
    lockDir: prefixLockDir(ctx.runtime.env),
    command: 'backup prune --remote',
    waitSeconds: options.wait,
    log: { warn: (m: string) => ctx.log.warn(m), info: (m: string) => ctx.log.info(m) },
    signal: ctx.signal,
  };
  let report: RemotePruneReport = await pruneRemote(policy, { dryRun: true }, deps);
  const doomed = report.decisions.filter((d) => d.action === 'remove');
  if (!options.dryRun && doomed.length > 0) {
    if (!options.yes) {
      ctx.runtime.stderr.write(`${report.decisions.map(describe).join('\n')}\n`);
      if (!(await ask(`Remove ${doomed.length} offsite backup(s)?`))) throw new DeclinedError();
    }
    report = await pruneRemote(policy, { dryRun: false }, deps);
  }
  ctx.audit.touch({ removed: report.decisions.filter((d) => d.action === 'removed').map((d) => d.url) });
  ctx.printer.result(report, () => {
    if (report.decisions.length === 0) return `No offsite backups at ${report.location}.`;
    const lines = report.decisions.map(describe);
    const locked = report.decisions.filter((d) => d.action === 'locked').length;
    if (options.dryRun) lines.push(`Dry run: ${doomed.length} offsite backup(s) would be removed; nothing was changed.`);
    else lines.push(`Removed ${report.decisions.filter((d) => d.action === 'removed').length} offsite backup(s).`);
    if (locked > 0) lines.push(`${locked} kept by object lock (not an error).`);
    return lines.join('\n');
  });
}
