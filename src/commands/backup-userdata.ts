import { Command } from 'commander';
import { retentionPolicy, useCaseDeps, type App } from '../app.js';
import { BACKUP_USERDATA } from '../cli-options.js';
import { createContext } from '../context.js';
import { runUserdataBackup } from '../core/backups/userdata-backup.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { backupEncryption } from './age-options.js';
import { finishBackup, offsiteWanted } from './offsite-shared.js';

const schema = schemaOf(BACKUP_USERDATA);

/** backupUserdataCommand archives the Electron userData folder; it refuses while the app runs unless --force (exit 1). */
export function backupUserdataCommand(app: App): Command {
  const cmd = new Command('userdata').description("back up the Auto Codex app's userData folder (settings, tokens, history) into a verified .tar.gz with sidecars");
  return addOptions(cmd, BACKUP_USERDATA).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'backup');
    const config = await ctx.config(flagOverrides(BACKUP_USERDATA, options));
    // Decided before the backup: --offsite without a store is exit 2 with nothing written.
    const offsite = await offsiteWanted(ctx, config, options.offsite);
    const encryption = await backupEncryption(ctx, config, options);
    const result = await runUserdataBackup(
      { userdataDir: config.userdataDir, outputDir: config.backupDir, policy: retentionPolicy(options, config), force: options.force, waitSeconds: options.wait },
      { ...useCaseDeps(ctx, config, 'backup'), encryption },
    );
    await finishBackup(ctx, offsite, result);
  });
}
