import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { flagOverrides } from '../core/config/flags.js';
import { createDockerApi } from '../core/docker/docker.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { runFalkorRestore } from '../core/restore/run-falkordb-restore.js';
import type { Runtime } from '../runtime.js';
import { withArchive } from './offsite-restore.js';
import { archiveKey, safetyEncryption } from './age-options.js';
import { printRestore, restoreConsent, restoreDeps, type RestoreCommandDeps } from './restore-shared.js';
import { falkorTargetFrom } from '../core/stack/falkor-target.js';

export const restoreFalkordbOptionsSchema = z
  .object({
    yes: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    healthTimeout: z.coerce.number().int().positive().max(86_400).optional(),
    start: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict();
export type RestoreFalkordbOptions = z.infer<typeof restoreFalkordbOptionsSchema>;

const HELP = `
Before anything is touched (any problem: exit 2, nothing changed): the file exists; it reads
completely; it matches its .sha256 (missing: a warning, and --yes or a typed confirmation);
every entry stays inside the volume (no absolute path, "..", link out, device file); it holds
dump.rdb or appendonlydir (unless --force); the manifest's image and module version are compared.
Then: lock, stop what runs, safety copy (falkordb_pre_restore_<UTC>.tar.gz, verified), wipe,
extract, start what ran, wait for health, check PING and the manifest's key count. Any failure
or Ctrl-C after the wipe puts the safety copy back and restarts what ran.

Examples:
  autocodex-ops restore falkordb backups/falkordb_data_20250101_030000.tar.gz --dry-run
  autocodex-ops restore falkordb backups/falkordb_data_20250101_030000.tar.gz --yes`;

/** restoreFalkordbCommand restores FalkorDB's data volume from an archive with checks first, a safety copy and automatic rollback; exit 2 on a bad archive. */
export function restoreFalkordbCommand(runtime: Runtime, deps: RestoreCommandDeps = {}): Command {
  return new Command('falkordb')
    .description('restore the FalkorDB data volume from a backup: check everything first, keep a verified safety copy, roll back on failure')
    .argument('<archive>', 'the .tar.gz or .tar.gz.age (AUTOCODEX_OPS_AGE_IDENTITY decrypts it) to restore (a backup of this tool or of the original scripts), or s3://bucket/key of an offsite copy')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--dry-run', 'run every check, print the plan and change nothing', false)
    .option('--health-timeout <seconds>', 'how long to wait for the services to be healthy and the data loaded (env RESTORE_HEALTH_TIMEOUT_SECS; default 120)')
    .option('--start', 'start FalkorDB and Graphiti MCP afterwards even if they were not running', false)
    .option('--force', 'restore an archive that holds neither dump.rdb nor appendonlydir (or is of another kind)', false)
    .addHelpText('after', `${HELP}\n${exitStatusHelp()}`)
    .action(async (archive: string, raw: unknown, command: Command) => {
      const options = restoreFalkordbOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'restore');
      const consent = restoreConsent(options, runtime, ctx, deps);
      const config = await ctx.config(flagOverrides(options));
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
          ...restoreDeps(ctx, globals, config, consent),
          archiveKey: key,
          encryption: await safetyEncryption(config, key, path),
          docker: () => createDockerApi({ inputs: { env: runtime.env } }),
          // ioredis loads only when a restore really talks to FalkorDB.
          connect: async (o) => (await import('../core/falkordb/falkordb.js')).connectFalkor(o),
        },
        );
      });
      printRestore(ctx, globals, result);
    });
}
