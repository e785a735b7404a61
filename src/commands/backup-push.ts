import { resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { App } from '../app.js';
import { OUTPUT_DIR } from '../cli-options.js';
import { createContext, type GlobalOptions } from '../context.js';
import { listBackups } from '../core/backup-store/catalog.js';
import { flagOverrides } from '../option-spec.js';
import { UsageError } from '../core/errors.js';
import { latestPerKind, missingRemotely, pushArchives } from '../core/offsite/push.js';
import { pushDeps, renderPush, requireOffsite } from './offsite-shared.js';

const count = z.coerce.number().int().nonnegative();

export const backupPushOptionsSchema = z
  .object({
    latest: z.boolean().default(false),
    missing: z.boolean().default(false),
    outputDir: z.string().min(1).optional(),
    wait: count.default(0),
  })
  .strict();

const HELP = `
Each archive goes to <prefix>/<kind>/<name> with its .manifest.json and .sha256 (the checksum last:
its presence marks a complete copy). Large files go up in parts straight from disk (bounded
memory); every upload is verified by size and sha256 (object metadata) before it counts. With
AUTOCODEX_OPS_S3_RETAIN_DAYS, objects get an object-lock retention where the bucket has object lock.
Credentials: the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws), never flags.

Examples:
  autocodex-ops backup push --latest
  autocodex-ops backup push --missing
  autocodex-ops backup push backups/falkordb_data_20250101_030000.tar.gz`;

/** backupPushCommand uploads one archive, the newest of each kind, or every one missing remotely. */
export function backupPushCommand(app: App): Command {
  const { runtime } = app;
  return new Command('push')
    .description('copy backups to the offsite S3 store (AUTOCODEX_OPS_S3_URL), verified')
    .argument('[archive]', 'the archive to upload')
    .option('--latest', 'the newest backup of each kind', false)
    .option('--missing', 'every local backup not yet offsite', false)
    .option('--output-dir <dir>', 'backup folder for --latest/--missing (env BACKUP_DIR; default <root>/backups)')
    .option('--wait <seconds>', 'wait up to this long for another push or prune on the same prefix; 0 fails at once with exit 11', '0')
    .addHelpText('after', HELP)
    .action(async (archive: string | undefined, raw: unknown, command: Command) => {
      const options = backupPushOptionsSchema.parse(raw);
      const chosen = [archive !== undefined, options.latest, options.missing].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError('Give exactly one of: an archive, --latest, --missing.', { hint: 'autocodex-ops backup push --latest' });
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, app, 'backup');
      const config = await ctx.config(flagOverrides({ outputDir: OUTPUT_DIR }, options));
      const offsite = await requireOffsite(ctx, config);
      const deps = await pushDeps(ctx, globals, offsite, 'backup push', options.wait);
      let archives: string[];
      if (archive !== undefined) archives = [resolve(runtime.cwd, archive)];
      else {
        const local = await listBackups(config.backupDir);
        archives = options.latest ? latestPerKind(local) : await missingRemotely(local, deps.store, deps.location, ctx.signal);
      }
      ctx.audit.touch({ archives, offsite: offsite.config.location.bucket });
      const result = await pushArchives(archives, deps);
      ctx.printer.result(result, () => renderPush(result));
    });
}
