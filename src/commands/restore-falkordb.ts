import { Command } from 'commander';
import { restoreDeps, type App } from '../app.js';
import { RESTORE_FALKORDB } from '../cli-options.js';
import { restoreConsent } from '../consent.js';
import { createContext } from '../context.js';
import { falkorTargetFrom } from '../core/stack/falkor-target.js';
import { runFalkorRestore } from '../core/restore/run-falkordb-restore.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderResult } from '../output/restore.js';
import { archiveKey, safetyEncryption } from './age-options.js';
import { withArchive } from './offsite-restore.js';

const schema = schemaOf(RESTORE_FALKORDB);

const HELP = `
Before anything is touched (any problem: exit 2, nothing changed): the file exists; it reads
completely; it matches its .sha256 (missing: a warning, and --yes or a typed confirmation);
every entry stays inside the volume (no absolute path, "..", link out, device file); it holds
dump.rdb or appendonlydir (unless --force); the manifest's image and module version are compared.
Then: lock, stop what runs, safety copy (falkordb_pre_restore_<UTC>.tar.gz, verified), wipe,
extract, start what ran, wait for health, check PING and the manifest's key count. Any failure,
Ctrl-C or hang-up after the wipe puts the safety copy back and restarts what ran.

Examples:
  autocodex-ops restore falkordb backups/falkordb_data_20250101_030000.tar.gz --dry-run
  autocodex-ops restore falkordb backups/falkordb_data_20250101_030000.tar.gz --yes`;

/** restoreFalkordbCommand restores FalkorDB's data volume from an archive with checks first, a safety copy and automatic rollback; exit 2 on a bad archive. */
export function restoreFalkordbCommand(app: App): Command {
  const cmd = new Command('falkordb')
    .description('restore the FalkorDB data volume from a backup: check everything first, keep a verified safety copy, roll back on failure')
    .argument('<archive>', 'the .tar.gz or .tar.gz.age (AUTOCODEX_OPS_AGE_IDENTITY decrypts it) to restore (a backup of this tool or of the original scripts), or s3://bucket/key of an offsite copy');
  return addOptions(cmd, RESTORE_FALKORDB)
    .addHelpText('after', HELP)
    .action(async (archive: string, raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'restore');
      const consent = restoreConsent(options, ctx);
      const config = await ctx.config(flagOverrides(RESTORE_FALKORDB, options));
      const result = await withArchive(ctx, config, archive, async (path) => {
        ctx.audit.touch({ archive: path });
        const key = await archiveKey(ctx, config, path);
        return runFalkorRestore(
        {
          archive: path,
          dryRun: options.dryRun,
          force: options.force,
          start: options.start,
          preRestoreDir: config.preRestoreBackupDir,
          healthTimeoutSecs: config.restoreHealthTimeoutSecs,
          skipHealthWait: config.skipRestoreHealthWait,
          ...falkorTargetFrom(config),
        },
        {
          ...restoreDeps(ctx, config, consent),
          archiveKey: key,
          encryption: await safetyEncryption(config, key, path),
          docker: () => app.docker(),
          connect: (o) => app.connectFalkor(o),
        },
        );
      });
      ctx.audit.touch({ sha256: result.sha256, safetyBackup: result.safetyBackup, dryRun: result.dryRun });
      if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(result, () => renderResult(result));
    });
}
