import { resolve } from 'node:path';
import { Command } from 'commander';
import { restoreDeps, type App } from '../app.js';
import { RESTORE_PROJECT } from '../cli-options.js';
import { restoreConsent } from '../consent.js';
import { createContext } from '../context.js';
import { runProjectRestore } from '../core/restore/run-project-restore.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderResult } from '../output/restore.js';
import { archiveKey, safetyEncryption } from './age-options.js';
import { withArchive } from './offsite-restore.js';
import { assertSafeOutputDir } from '../core/fs/safe-output-dir.js';

const schema = schemaOf(RESTORE_PROJECT);

const HELP = `
The archive gets the same checks as for userData (exit 2, nothing changed); the project folder
defaults to the one its manifest names. No process may hold a file open under .auto-codex/ (a
running task; --force overrides). The archive is extracted beside .auto-codex/, the current one is
archived as project_pre_restore_<name>_<UTC>.tar.gz (verified, with sidecars), then the folders
are swapped by two renames, so one complete .auto-codex/ always exists. A --logs-only archive is
refused (it would drop the specs): extract its logs by hand.

Examples:
  autocodex-ops restore project backups/project_my-app_20250101_030000.tar.gz --dry-run
  autocodex-ops restore project backups/project_my-app_20250101_030000.tar.gz --project ~/code/my-app --yes`;

/** restoreProjectCommand replaces a project's .auto-codex/ with an archive's content, keeping a verified safety copy; exit 2 on a bad archive. */
export function restoreProjectCommand(app: App): Command {
  const cmd = new Command('project')
    .description("restore a project's .auto-codex/ (specs, task logs) from a backup: checks first, verified safety copy, atomic swap")
    .argument('<archive>', 'the project_<name>_….tar.gz or .tar.gz.age to restore, or s3://bucket/key of an offsite copy (downloaded and checked first)');
  return addOptions(cmd, RESTORE_PROJECT)
    .addHelpText('after', HELP)
    .action(async (archive: string, raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'restore');
      const consent = restoreConsent(options, ctx);
      const config = await ctx.config(flagOverrides(RESTORE_PROJECT, options));
      // As root, a safety-copy folder another user could redirect is refused before anything is asked or changed.
      assertSafeOutputDir(config.preRestoreBackupDir, 'the pre-restore backup folder');
      const result = await withArchive(ctx, config, archive, async (path) => {
        ctx.audit.touch({ archive: path });
        const key = await archiveKey(ctx, config, path);
        return runProjectRestore(
          { archive: path, ...(options.project ? { project: resolve(app.runtime.cwd, options.project) } : {}), preRestoreDir: config.preRestoreBackupDir, dryRun: options.dryRun, force: options.force },
          { ...restoreDeps(ctx, config, consent), archiveKey: key, encryption: await safetyEncryption(config, key, path) },
        );
      });
      ctx.audit.touch({ sha256: result.sha256, safetyBackup: result.safetyBackup, dryRun: result.dryRun, target: result.target });
      if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(result, () => renderResult(result));
    });
}
