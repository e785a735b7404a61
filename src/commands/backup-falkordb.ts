import { Command } from 'commander';
import { falkorBackup, retentionPolicy, type App } from '../app.js';
import { BACKUP_FALKORDB } from '../cli-options.js';
import { createContext } from '../context.js';
import { observePairQuietly } from '../core/stack/observe-pair.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { backupEncryption } from './age-options.js';
import { finishBackup, offsiteWanted } from './offsite-shared.js';

const schema = schemaOf(BACKUP_FALKORDB);

/** backupFalkordbCommand backs up FalkorDB's data volume through the Docker API; exit 10 when Docker, the volume or FalkorDB is unavailable. */
export function backupFalkordbCommand(app: App): Command {
  const cmd = new Command('falkordb').description('back up the FalkorDB data volume into a verified .tar.gz with .sha256 and .manifest.json (no image pulls)');
  return addOptions(cmd, BACKUP_FALKORDB).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'backup');
    const config = await ctx.config(flagOverrides(BACKUP_FALKORDB, options));
    // Decided before the backup: --offsite without a store is exit 2 with nothing written.
    const offsite = await offsiteWanted(ctx, config, options.offsite);
    const encryption = await backupEncryption(ctx, config, options);
    const result = await falkorBackup(ctx, config, { policy: retentionPolicy(options, config), waitSeconds: options.wait, saveTimeoutSeconds: options.saveTimeout, encryption });
    await finishBackup(ctx, offsite, result);
    // Issue 6: every run that sees the stack records the image pair it runs, for `rollback images`.
    await observePairQuietly(() => app.docker(), config, 'backup', ctx.log, ctx.signal);
  });
}
