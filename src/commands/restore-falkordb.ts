import { Command } from 'commander';
import { journalPlace, restoreDeps, type App } from '../app.js';
import { RESTORE_FALKORDB } from '../cli-options.js';
import { restoreConsent } from '../consent.js';
import { createContext } from '../context.js';
import { falkorTargetFrom } from '../core/stack/falkor-target.js';
import { runFalkorRestore } from '../core/restore/run-falkordb-restore.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderResult } from '../output/restore.js';
import { archiveKey, safetyEncryption } from './age-options.js';
import { fetchForRestore, withArchive } from './offsite-restore.js';
import { UsageError } from '../core/errors.js';
import { assertSafeOutputDir } from '../core/fs/safe-output-dir.js';

const schema = schemaOf(RESTORE_FALKORDB);

const HELP = `
Before anything is touched (any problem: exit 2, nothing changed): the file exists; it reads
completely; it matches its .sha256 (missing: a warning, and --yes or a typed confirmation);
every entry stays inside the volume (no absolute path, "..", link out, device file); it holds
dump.rdb or appendonlydir (unless --force); the manifest's image and module version are compared.
Then: lock, stop what runs, move the current data aside into a hidden folder of the volume
(.falkordb_pre_restore_<UTC>, a rename), extract beside it, start what ran, wait for health,
check PING and the manifest's key count while that folder is written out as the verified safety
copy falkordb_pre_restore_<UTC>.tar.gz; the folder is deleted only once that copy is verified.
Any failure, Ctrl-C or hang-up before the checks pass moves the previous data back and restarts
what ran. The server is made to load what the archive holds whatever its AOF setting (the plan
says how), and a restore whose data does not load (0 keys from a non-empty RDB/AOF) is rolled
back (exit 1).

Interrupted restores (kill -9, power cut): from before the move until the folder is deleted a
journal in /var/lib/autocodex-ops (AUTOCODEX_OPS_STATE_DIR) marks the volume, seen from any root;
while it exists a plain restore and \`backup falkordb\` refuse (exit 1) and the healthcheck fails
restore-interrupted. Then:
  autocodex-ops restore falkordb --resume   extract the journal's archive again beside the folder
                                            (an s3:// one is downloaded again, its sha256 checked;
                                            once verified: write the safety copy), then done
  autocodex-ops restore falkordb --undo     move the previous data back from the folder (no
                                            archive needed), start what ran

Examples:
  autocodex-ops restore falkordb backups/falkordb_data_20250101_030000.tar.gz --dry-run
  autocodex-ops restore falkordb backups/falkordb_data_20250101_030000.tar.gz --yes`;

/** restoreFalkordbCommand restores FalkorDB's data volume from an archive with checks first, a safety copy and automatic rollback; exit 2 on a bad archive. */
export function restoreFalkordbCommand(app: App): Command {
  const cmd = new Command('falkordb')
    .description('restore the FalkorDB data volume from a backup: check everything first, keep a verified safety copy, roll back on failure')
    .argument('[archive]', 'the .tar.gz or .tar.gz.age (AUTOCODEX_OPS_AGE_IDENTITY decrypts it) to restore (a backup of this tool or of the original scripts), or s3://bucket/key of an offsite copy');
  return addOptions(cmd, RESTORE_FALKORDB)
    .addHelpText('after', HELP)
    .action(async (archive: string | undefined, raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const journal = options.resume ? 'resume' : options.undo ? 'undo' : undefined;
      if (options.resume && options.undo) throw new UsageError('--resume and --undo exclude each other.', { hint: 'Pick one: --resume finishes the interrupted restore, --undo puts its safety copy back.' });
      if (journal && archive !== undefined) throw new UsageError(`--${journal} takes no archive: the restore journal names it.`, { hint: `Run \`autocodex-ops restore falkordb --${journal}\`.` });
      if (!journal && archive === undefined) throw new UsageError("missing required argument 'archive'", { hint: 'Name the backup to restore, or pass --resume / --undo to finish or undo an interrupted restore.' });
      const ctx = createContext(command.optsWithGlobals(), app, 'restore');
      const consent = restoreConsent(options, ctx);
      const config = await ctx.config(flagOverrides(RESTORE_FALKORDB, options));
      // As root, a safety-copy folder another user could redirect is refused before anything is asked or stopped.
      assertSafeOutputDir(config.preRestoreBackupDir, 'the pre-restore backup folder');
      const result = await withArchive(ctx, config, archive ?? '', async (path, url) => {
        if (!journal) ctx.audit.touch({ archive: path });
        const key = await archiveKey(ctx, config, journal ? undefined : path);
        return runFalkorRestore(
        {
          archive: journal ? '' : path,
          ...(journal ? { journal } : {}),
          dryRun: options.dryRun,
          force: options.force,
          start: options.start,
          preRestoreDir: config.preRestoreBackupDir,
          journals: journalPlace(ctx, config),
          ...(url ? { sourceUrl: url } : {}),
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
          // --resume of a restore from s3://: its download is gone, so it is fetched again.
          fetchArchive: (remote) => fetchForRestore(ctx, config, remote),
          // Test hook: the integration tests SIGKILL a real run paused at a journal step.
          ...(ctx.runtime.env.AUTOCODEX_OPS_TEST_PAUSE_AT ? { pauseAt: ctx.runtime.env.AUTOCODEX_OPS_TEST_PAUSE_AT } : {}),
        },
        );
      });
      ctx.audit.touch({ ...(journal ? { archive: result.archive, finished: journal } : {}), sha256: result.sha256, safetyBackup: result.safetyBackup, dryRun: result.dryRun });
      if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(result, () => renderResult(result));
    });
}
