import { Command } from 'commander';
import type { PruneDecision } from '../core/backup-store/prune.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import type { Runtime } from '../runtime.js';
import { backupFalkordbCommand } from './backup-falkordb.js';
import { backupListCommand } from './backup-list.js';
import { backupPruneCommand } from './backup-prune.js';
import { backupPullCommand } from './backup-pull.js';
import { backupPushCommand } from './backup-push.js';
import { backupUserdataCommand } from './backup-userdata.js';
import { backupVerifyCommand } from './backup-verify.js';

/** Test seams of the backup commands; the defaults talk to the real terminal, engine and server. */
export interface BackupCommandDeps {
  /** Asks a yes/no question on a TTY (default: readline on stdin/stderr). */
  confirm?: (question: string, toRemove: readonly PruneDecision[], signal?: AbortSignal) => Promise<boolean>;
}

/**
 * backupCommand groups `backup falkordb|userdata|list|verify|prune` (CONTRACT "Commands"). Each
 * subcommand parses its options with zod and makes one core call; errors reach cli.ts unchanged.
 */
export function backupCommand(runtime: Runtime, deps: BackupCommandDeps = {}): Command {
  return new Command('backup')
    .description('consistent, verified FalkorDB and userData backups with manifests and retention; list, verify, prune; push/pull offsite copies')
    .addCommand(backupFalkordbCommand(runtime))
    .addCommand(backupUserdataCommand(runtime))
    .addCommand(backupListCommand(runtime))
    .addCommand(backupVerifyCommand(runtime))
    .addCommand(backupPruneCommand(runtime, deps))
    .addCommand(backupPushCommand(runtime))
    .addCommand(backupPullCommand(runtime))
    .addHelpText('after', exitStatusHelp());
}
