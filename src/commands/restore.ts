import { Command } from 'commander';
import type { App } from '../app.js';
import { restoreFalkordbCommand } from './restore-falkordb.js';
import { restoreUserdataCommand } from './restore-userdata.js';

/**
 * restoreCommand groups `restore falkordb` and `restore userdata` (CONTRACT "Commands"). Both are
 * destructive: they ask on a TTY, need --yes otherwise (exit 2, nothing touched), honour --dry-run,
 * and check the archive completely before touching anything.
 */
export function restoreCommand(app: App): Command {
  return new Command('restore')
    .description('restore FalkorDB or userData from a backup, with checks first, a verified safety copy and automatic rollback')
    .addCommand(restoreFalkordbCommand(app))
    .addCommand(restoreUserdataCommand(app));
}
