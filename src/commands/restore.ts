import { Command } from 'commander';
import type { App } from '../app.js';
import { restoreFalkordbCommand } from './restore-falkordb.js';
import { restoreProjectCommand } from './restore-project.js';
import { restoreUserdataCommand } from './restore-userdata.js';

/**
 * restoreCommand groups `restore falkordb`, `restore userdata` and `restore project` (CONTRACT "Commands"). Both are
 * destructive: they ask on a TTY, need --yes otherwise (exit 2, nothing touched), honour --dry-run,
 * and check the archive completely before touching anything.
 */
export function restoreCommand(app: App): Command {
  return new Command('restore')
    .description('restore FalkorDB, userData or a project\'s .auto-codex/ from a backup, with checks first, a verified safety copy and automatic rollback')
    .addCommand(restoreFalkordbCommand(app))
    .addCommand(restoreUserdataCommand(app))
    .addCommand(restoreProjectCommand(app));
}
