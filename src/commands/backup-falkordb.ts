import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { runFalkorBackup } from '../core/backups/falkordb-backup.js';
import { flagOverrides } from '../core/config/flags.js';
import { createDockerApi } from '../core/docker/docker.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { observePairQuietly } from '../core/stack/observe-pair.js';
import type { Runtime } from '../runtime.js';
import { addRetentionOptions, backupDeps, finishBackup, policyFrom, retentionFields } from './backup-shared.js';
import { offsiteWanted } from './offsite-shared.js';
import { addEncryptionOptions, backupEncryption, encryptionFields } from './age-options.js';
import { falkorTargetFrom } from '../core/stack/falkor-target.js';

/** The options of `backup falkordb` as commander hands them over; an invalid value fails with exit 2. */
export const backupFalkordbOptionsSchema = z
  .object({
    ...retentionFields,
    ...encryptionFields,
    mode: z.enum(['save', 'stop', 'live']).optional(),
    saveTimeout: z.coerce.number().int().positive().max(86_400).default(300),
  })
  .strict();
/** Parsed options of `backup falkordb`. */
export type BackupFalkordbOptions = z.infer<typeof backupFalkordbOptionsSchema>;

/** backupFalkordbCommand backs up FalkorDB's data volume through the Docker API; exit 10 when Docker, the volume or FalkorDB is unavailable. */
export function backupFalkordbCommand(runtime: Runtime): Command {
  const cmd = new Command('falkordb')
    .description('back up the FalkorDB data volume into a verified .tar.gz with .sha256 and .manifest.json (no image pulls)')
    .addOption(
      new Option('--mode <mode>', 'save: BGSAVE (AOF rewrites held off) then copy; stop: stop FalkorDB and Graphiti MCP while copying, restart what ran; live: copy as is (env FALKORDB_BACKUP_MODE; default save)').choices(['save', 'stop', 'live']),
    )
    .option('--save-timeout <seconds>', 'limit for the background save and for an AOF rewrite to finish', '300');
  return addEncryptionOptions(addRetentionOptions(cmd))
    .addHelpText('after', exitStatusHelp())
    .action(async (raw: unknown, command: Command) => {
      const options = backupFalkordbOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'backup');
      const config = await ctx.config(flagOverrides(options));
      // Decided before the backup: --offsite without a store is exit 2 with nothing written.
      const offsite = await offsiteWanted(ctx, config, options.offsite);
      const encryption = await backupEncryption(ctx, config, options);
      const result = await runFalkorBackup(
        {
          mode: config.backupMode,
          outputDir: config.backupDir,
          policy: policyFrom(options, config),
          waitSeconds: options.wait,
          saveTimeoutSeconds: options.saveTimeout,
          ...falkorTargetFrom(config),
        },
        {
          ...backupDeps(ctx, globals, config),
          encryption,
          docker: () => createDockerApi({ inputs: { env: runtime.env } }),
          // ioredis loads only when a backup really talks to FalkorDB.
          connect: async (o) => (await import('../core/falkordb/falkordb.js')).connectFalkor(o),
        },
      );
      await finishBackup(ctx, globals, offsite, result);
      // Issue 6: every run that sees the stack records the image pair it runs, for `rollback images`.
      await observePairQuietly(() => createDockerApi({ inputs: { env: runtime.env } }), config, 'backup', ctx.log, ctx.signal);
    });
}
