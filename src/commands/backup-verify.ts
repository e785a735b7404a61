import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { listBackups } from '../core/backup-store/catalog.js';
import type { BackupKind } from '../core/backup-store/naming.js';
import { verifyBackup } from '../core/backup-store/verify.js';
import { flagOverrides } from '../core/config/flags.js';
import { ReportedFailure, UsageError } from '../core/errors.js';
import { ExitCode, exitStatusHelp } from '../core/exit-codes.js';
import type { Runtime } from '../runtime.js';
import { archiveKey } from './age-options.js';
import { kindOption } from './backup-shared.js';

/** The options of `backup verify` as commander hands them over; an invalid value fails with exit 2. */
export const backupVerifyOptionsSchema = z
  .object({
    latest: z.boolean().default(false),
    kind: z.enum(['falkordb', 'userdata']).default('falkordb'),
    outputDir: z.string().min(1).optional(),
  })
  .strict();
/** Parsed options of `backup verify`. */
export type BackupVerifyOptions = z.infer<typeof backupVerifyOptionsSchema>;

/** backupVerifyCommand checks one archive (or the newest with --latest); exit 0 when sound, 2 with the problems listed. */
export function backupVerifyCommand(runtime: Runtime): Command {
  return new Command('verify')
    .description('verify an archive: full read of every entry, sha256 against sidecar and manifest, FalkorDB content sanity')
    .argument('[archive]', 'the .tar.gz or .tar.gz.age to verify (AUTOCODEX_OPS_AGE_IDENTITY decrypts an encrypted one; without it, only its header and checksums are checked)')
    .option('--latest', 'verify the newest backup of --kind in the backup folder', false)
    .addOption(kindOption(['falkordb', 'userdata'], 'with --latest: which kind', 'falkordb'))
    .option('--output-dir <dir>', 'backup folder for --latest (env BACKUP_DIR; default <root>/backups)')
    .addHelpText('after', exitStatusHelp())
    .action(async (archiveArg: string | undefined, raw: unknown, command: Command) => {
      const options = backupVerifyOptionsSchema.parse(raw);
      if (Boolean(archiveArg) === options.latest) throw new UsageError('Give either an archive path or --latest (not both, not neither).', { hint: 'autocodex-ops backup verify --latest' });
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), runtime, 'backup');
      const config = await ctx.config(flagOverrides(options));
      let archive = archiveArg;
      if (!archive) {
        archive = (await listBackups(config.backupDir, options.kind as BackupKind))[0]?.archive;
        if (!archive) throw new UsageError(`No ${options.kind} backup in ${config.backupDir} to verify.`, { hint: `Run \`autocodex-ops backup ${options.kind}\` first.` });
      }
      const result = await verifyBackup(archive, ctx.signal, await archiveKey(ctx, config, archive));
      ctx.printer.result(result, () =>
        [
          `${result.ok ? 'OK' : 'FAILED'}: ${result.archive}${result.entries === undefined ? '' : ` (${result.entries} entries read)`}`,
          ...result.problems.map((p) => `  problem: ${p}`),
          ...result.warnings.map((w) => `  warning: ${w}`),
        ].join('\n'),
      );
      if (!result.ok) throw new ReportedFailure(`backup verify found ${result.problems.length} problem(s)`, ExitCode.Usage);
    });
}
