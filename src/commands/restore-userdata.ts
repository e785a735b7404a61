import { Command } from 'commander';
import { restoreDeps, type App } from '../app.js';
import { RESTORE_USERDATA } from '../cli-options.js';
import { restoreConsent } from '../consent.js';
import { createContext } from '../context.js';
import { runUserdataRestore } from '../core/restore/run-userdata-restore.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderResult } from '../output/restore.js';
import { archiveKey, safetyEncryption } from './age-options.js';
import { withArchive } from './offsite-restore.js';
import { assertSafeOutputDir } from '../core/fs/safe-output-dir.js';

const schema = schemaOf(RESTORE_USERDATA);

const HELP = `
The archive gets the same checks as for FalkorDB (exit 2, nothing changed). The app must not be
running (no process may hold a file open under the folder; --force overrides). The archive is extracted into a hidden folder
beside the target, the current folder is archived as userdata_pre_restore_<UTC>.tar.gz (verified,
with sidecars), then the folders are swapped by two renames, so one complete folder always exists.

Examples:
  autocodex-ops restore userdata backups/userdata_20250101_030000.tar.gz --dry-run
  autocodex-ops restore userdata backups/userdata_20250101_030000.tar.gz --yes`;

/** restoreUserdataCommand replaces the app's userData folder with an archive's content, keeping a verified safety copy; exit 2 on a bad archive. */
export function restoreUserdataCommand(app: App): Command {
  const cmd = new Command('userdata')
    .description("restore the Auto Codex app's userData folder from a backup: checks first, verified safety copy, atomic swap")
    .argument('<archive>', 'the .tar.gz or .tar.gz.age (AUTOCODEX_OPS_AGE_IDENTITY decrypts it) to restore, or s3://bucket/key of an offsite copy (downloaded and checked first)');
  return addOptions(cmd, RESTORE_USERDATA)
    .addHelpText('after', HELP)
    .action(async (archive: string, raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'restore');
      const consent = restoreConsent(options, ctx);
      const config = await ctx.config(flagOverrides(RESTORE_USERDATA, options));
      // As root, a safety-copy folder another user could redirect is refused before anything is asked or stopped.
      assertSafeOutputDir(config.preRestoreBackupDir, 'the pre-restore backup folder');
      const result = await withArchive(ctx, config, archive, async (path) => {
        ctx.audit.touch({ archive: path });
        const key = await archiveKey(ctx, config, path);
        return runUserdataRestore(
          { archive: path, userdataDir: config.userdataDir, preRestoreDir: config.preRestoreBackupDir, dryRun: options.dryRun, force: options.force },
          { ...restoreDeps(ctx, config, consent), archiveKey: key, encryption: await safetyEncryption(config, key, path) },
        );
      });
      ctx.audit.touch({ sha256: result.sha256, safetyBackup: result.safetyBackup, dryRun: result.dryRun });
      if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(result, () => renderResult(result));
    });
}
