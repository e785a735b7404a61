import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { flagOverrides } from '../core/config/flags.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { runUserdataRestore } from '../core/restore/run-userdata-restore.js';
import type { Runtime } from '../runtime.js';
import { withArchive } from './offsite-restore.js';
import { archiveKey, safetyEncryption } from './age-options.js';
import { printRestore, restoreConsent, restoreDeps, type RestoreCommandDeps } from './restore-shared.js';

export const restoreUserdataOptionsSchema = z
  .object({
    userdataDir: z.string().min(1).optional(),
    yes: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict();
export type RestoreUserdataOptions = z.infer<typeof restoreUserdataOptionsSchema>;

const HELP = `
The archive gets the same checks as for FalkorDB (exit 2, nothing changed). The app must not be
running (its SingletonLock; --force overrides). The archive is extracted into a hidden folder
beside the target, the current folder is archived as userdata_pre_restore_<UTC>.tar.gz (verified,
with sidecars), then the folders are swapped by two renames, so one complete folder always exists.

Examples:
  autocodex-ops restore userdata backups/userdata_20250101_030000.tar.gz --dry-run
  autocodex-ops restore userdata backups/userdata_20250101_030000.tar.gz --yes`;

/** restoreUserdataCommand replaces the app's userData folder with an archive's content, keeping a verified safety copy; exit 2 on a bad archive. */
export function restoreUserdataCommand(runtime: Runtime, deps: RestoreCommandDeps = {}): Command {
  return new Command('userdata')
    .description("restore the Auto Codex app's userData folder from a backup: checks first, verified safety copy, atomic swap")
    .argument('<archive>', 'the .tar.gz or .tar.gz.age (AUTOCODEX_OPS_AGE_IDENTITY decrypts it) to restore, or s3://bucket/key of an offsite copy (downloaded and checked first)')
    .option('--userdata-dir <dir>', 'the userData folder (env USERDATA_DIR; default: the OS location of "Auto Codex")')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--dry-run', 'run every check, print the plan and change nothing', false)
    .option('--force', 'restore even though the app seems to be running', false)
    .addHelpText('after', `${HELP}\n${exitStatusHelp()}`)
    .action(async (archive: string, raw: unknown, command: Command) => {
      const options = restoreUserdataOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'restore');
      const consent = restoreConsent(options, runtime, ctx, deps);
      const config = await ctx.config(flagOverrides(options));
      const result = await withArchive(ctx, config, archive, async (path) => {
        ctx.audit.touch({ archive: path });
        const key = await archiveKey(ctx, config, path);
        return runUserdataRestore(
          { archive: path, userdataDir: config.userdataDir, preRestoreDir: config.preRestoreBackupDir, dryRun: options.dryRun, force: options.force },
          { ...restoreDeps(ctx, globals, config, consent), archiveKey: key, encryption: await safetyEncryption(config, key, path) },
        );
      });
      printRestore(ctx, globals, result);
    });
}
