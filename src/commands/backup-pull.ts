import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import { z } from 'zod';
import type { App } from '../app.js';
import { OUTPUT_DIR } from '../cli-options.js';
import { createContext, type GlobalOptions } from '../context.js';
import { verifyBackup } from '../core/backup-store/verify.js';
import { flagOverrides } from '../option-spec.js';
import { UsageError } from '../core/errors.js';
import { downloadArchive, remoteKeyFor } from '../core/offsite/pull.js';
import { parseS3ObjectUrl } from '../core/offsite/s3-url.js';
import { requireOffsite, type Offsite } from './offsite-shared.js';

export const backupPullOptionsSchema = z.object({ outputDir: z.string().min(1).optional() }).strict();

/** resolveRemote turns `<name>`, `<key>` or `s3://bucket/key` into a store and key. */
export async function resolveRemote(offsite: Offsite, ref: string) {
  if (ref.startsWith('s3://')) {
    const { bucket, key } = parseS3ObjectUrl(ref);
    return { store: await offsite.store(bucket), key };
  }
  return { store: await offsite.store(), key: remoteKeyFor(offsite.config.location, ref) };
}

/** backupPullCommand downloads an offsite backup, checks size and sha256, then reads it fully like `backup verify`. */
export function backupPullCommand(app: App): Command {
  const { runtime } = app;
  return new Command('pull')
    .description('download an offsite backup into the backup folder, verified (size, sha256, full read)')
    .argument('<name>', 'the archive name (as `backup list --remote` shows it), its key, or s3://bucket/key')
    .option('--output-dir <dir>', 'where to put it (env BACKUP_DIR; default <root>/backups)')
    .addHelpText('after', `\nExamples:\n  autocodex-ops backup pull falkordb_data_20250101_030000.tar.gz\n  autocodex-ops backup pull s3://bucket/host1/userdata/userdata_20250101_030000.tar.gz --output-dir /tmp/restore`)
    .action(async (name: string, raw: unknown, command: Command) => {
      const options = backupPullOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, app, 'backup');
      const config = await ctx.config(flagOverrides({ outputDir: OUTPUT_DIR }, options));
      const offsite = await requireOffsite(ctx, config);
      const { store, key } = await resolveRemote(offsite, name);
      const pulled = await downloadArchive(store, key, config.backupDir, { signal: ctx.signal });
      ctx.audit.touch({ archive: pulled.archive, sha256: pulled.sha256, url: pulled.url });
      const verdict = await verifyBackup(pulled.archive, ctx.signal);
      if (!verdict.ok) {
        // A download that matches its checksum but does not read is a damaged backup: do not keep it.
        for (const f of pulled.files) await rm(f, { force: true });
        throw new UsageError(`${pulled.url} downloaded intact, but the archive does not read: ${verdict.problems.join('; ')}. Nothing was kept.`);
      }
      for (const w of verdict.warnings) ctx.log.warn(w);
      const result = { ...pulled, verified: true };
      ctx.printer.result(result, () => `Pulled ${pulled.url} to ${pulled.archive} (${pulled.bytes} bytes, sha256 ${pulled.sha256.slice(0, 12)}…, verified).`);
    });
}
