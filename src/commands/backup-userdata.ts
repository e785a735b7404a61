import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { runUserdataBackup } from '../core/backups/userdata-backup.js';
import { flagOverrides } from '../core/config/flags.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import type { Runtime } from '../runtime.js';
import { addRetentionOptions, backupDeps, policyFrom, finishBackup, retentionFields } from './backup-shared.js';
import { offsiteWanted } from './offsite-shared.js';
import { addEncryptionOptions, backupEncryption, encryptionFields } from './age-options.js';

/** The options of `backup userdata` as commander hands them over; an invalid value fails with exit 2. */
export const backupUserdataOptionsSchema = z
  .object({
    ...retentionFields,
    ...encryptionFields,
    userdataDir: z.string().min(1).optional(),
    force: z.boolean().default(false),
  })
  .strict();
/** Parsed options of `backup userdata`. */
export type BackupUserdataOptions = z.infer<typeof backupUserdataOptionsSchema>;

/** backupUserdataCommand archives the Electron userData folder; it refuses while the app runs unless --force (exit 1). */
export function backupUserdataCommand(runtime: Runtime): Command {
  const cmd = new Command('userdata')
    .description('back up the Auto Codex app\'s userData folder (settings, tokens, history) into a verified .tar.gz with sidecars')
    .option('--userdata-dir <dir>', 'the userData folder (env USERDATA_DIR; default: the OS location of "Auto Codex")')
    .option('--force', 'back up even while the app is running (its files may be half-written)', false);
  return addEncryptionOptions(addRetentionOptions(cmd))
    .addHelpText('after', exitStatusHelp())
    .action(async (raw: unknown, command: Command) => {
      const options = backupUserdataOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'backup');
      const config = await ctx.config(flagOverrides(options));
      // Decided before the backup: --offsite without a store is exit 2 with nothing written.
      const offsite = await offsiteWanted(ctx, config, options.offsite);
      const encryption = await backupEncryption(ctx, config, options);
      const result = await runUserdataBackup(
        { userdataDir: config.userdataDir, outputDir: config.backupDir, policy: policyFrom(options, config), force: options.force, waitSeconds: options.wait },
        { ...backupDeps(ctx, globals, config), encryption },
      );
      await finishBackup(ctx, globals, offsite, result);
    });
}
