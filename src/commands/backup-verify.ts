import { resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../app.js';
import { BACKUP_VERIFY } from '../cli-options.js';
import { createContext } from '../context.js';
import { latestArchive } from './latest-archive.js';
import { verifyBackup } from '../core/backup-store/verify.js';
import { ReportedFailure, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderVerifyBackup } from '../output/backup.js';
import { archiveKey } from './age-options.js';

const schema = schemaOf(BACKUP_VERIFY);

/** backupVerifyCommand checks one archive (or the newest with --latest); exit 0 when sound, 2 with the problems listed. */
export function backupVerifyCommand(app: App): Command {
  const cmd = new Command('verify')
    .description('verify an archive: full read of every entry, sha256 against sidecar and manifest, FalkorDB content sanity')
    .argument('[archive]', 'the .tar.gz or .tar.gz.age to verify (AUTOCODEX_OPS_AGE_IDENTITY decrypts an encrypted one; without it, only its header and checksums are checked)');
  return addOptions(cmd, BACKUP_VERIFY).action(async (archiveArg: string | undefined, raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    if (Boolean(archiveArg) === options.latest) throw new UsageError('Give either an archive path or --latest (not both, not neither).', { hint: 'autocodex-ops backup verify --latest' });
    const ctx = createContext(command.optsWithGlobals(), app, 'backup');
    const config = await ctx.config(flagOverrides(BACKUP_VERIFY, options));
    // Absolute, like `backup list`: a relative argument is taken against the working directory.
    let archive = archiveArg && resolve(app.runtime.cwd, archiveArg);
    if (!archive) {
      archive = await latestArchive(ctx, config.backupDir, options.kind);
      if (!archive) throw new UsageError(`No ${options.kind} backup in ${config.backupDir} to verify.`, { hint: `Run \`autocodex-ops backup ${options.kind}\` first.` });
    }
    const result = await verifyBackup(archive, ctx.signal, await archiveKey(ctx, config, archive));
    ctx.printer.result(result, () => renderVerifyBackup(result));
    if (!result.ok) throw new ReportedFailure(`backup verify found ${result.problems.length} problem(s)`, ExitCode.Usage);
  });
}
