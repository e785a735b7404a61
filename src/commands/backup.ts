import { Command } from 'commander';
import type { App } from '../app.js';
import { backupFalkordbCommand } from './backup-falkordb.js';
import { backupListCommand } from './backup-list.js';
import { backupProjectCommand } from './backup-project.js';
import { backupPruneCommand } from './backup-prune.js';
import { backupPullCommand } from './backup-pull.js';
import { backupPushCommand } from './backup-push.js';
import { backupUserdataCommand } from './backup-userdata.js';
import { backupVerifyCommand } from './backup-verify.js';

/**
 * backupCommand groups `backup falkordb|userdata|project|list|verify|prune` (CONTRACT "Commands"). Each
 * subcommand parses its options with the schema generated from cli-options.ts and makes one core call.
 */
export function backupCommand(app: App): Command {
  return new Command('backup')
    .description('consistent, verified FalkorDB and userData backups with manifests and retention; list, verify, prune; push/pull offsite copies')
    .addCommand(backupFalkordbCommand(app))
    .addCommand(backupUserdataCommand(app))
    .addCommand(backupProjectCommand(app))
    .addCommand(backupListCommand(app))
    .addCommand(backupVerifyCommand(app))
    .addCommand(backupPruneCommand(app))
    .addCommand(backupPushCommand(app))
    .addCommand(backupPullCommand(app));
}
