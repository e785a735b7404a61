import { basename } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { LIST_KINDS, listAllBackups } from '../core/backup-store/list.js';
import { flagOverrides } from '../core/config/flags.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { formatBytes } from '../core/format-bytes.js';
import type { Runtime } from '../runtime.js';
import { kindOption } from './backup-shared.js';
import { printRemoteList, withRemoteColumn } from './offsite-list.js';

/** The options of `backup list` as commander hands them over; an invalid value fails with exit 2. */
export const backupListOptionsSchema = z
  .object({
    kind: z.enum(['falkordb', 'userdata', 'pre-restore']).optional(),
    check: z.boolean().default(false),
    outputDir: z.string().min(1).optional(),
    remote: z.boolean().default(false),
  })
  .strict();
/** Parsed options of `backup list`. */
export type BackupListOptions = z.infer<typeof backupListOptionsSchema>;

function age(seconds: number): string {
  if (seconds < 0) return 'in the future';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** backupListCommand lists the backups in the backup and pre-restore folders, newest first; it fails only on an unreadable folder. */
export function backupListCommand(runtime: Runtime): Command {
  return new Command('list')
    .description('list backups, newest first, with created-at, age, size and verification state')
    .addOption(kindOption(Object.keys(LIST_KINDS), 'only this kind'))
    .option('--check', 're-hash every archive and compare it with its .sha256 sidecar (slower)', false)
    .option('--output-dir <dir>', 'backup folder (env BACKUP_DIR; default <root>/backups)')
    .option('--remote', 'list the offsite copies (AUTOCODEX_OPS_S3_URL) instead: name, size, time, sha256, object-lock retention', false)
    .addHelpText('after', exitStatusHelp())
    .action(async (raw: unknown, command: Command) => {
      const options = backupListOptionsSchema.parse(raw);
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), runtime, 'backup');
      const config = await ctx.config(flagOverrides(options));
      if (options.remote) {
        await printRemoteList(ctx, config, options.kind);
        return;
      }
      const listed = await listAllBackups({
        dirs: [config.backupDir, config.preRestoreBackupDir],
        kinds: options.kind ? LIST_KINDS[options.kind] : undefined,
        check: options.check,
        now: new Date(),
        signal: ctx.signal,
      });
      const backups = await withRemoteColumn(ctx, config, listed);
      ctx.printer.result({ backups }, () => {
        if (backups.length === 0) return `No backups in ${config.backupDir}.`;
        return backups
          .map((b) => {
            const state = b.verified === true ? (options.check ? 'checksum ok' : 'verified') : b.verified === false ? 'CHECKSUM MISMATCH OR MISSING' : b.sha256 ? 'not verified' : 'no checksum';
            const remote = b.remote === undefined ? '' : `${(b.remote ? 'offsite' : '-').padEnd(8)}  `;
            return `${b.createdAt}  ${age(b.ageSeconds).padStart(10)}  ${formatBytes(b.bytes).padStart(10)}  ${b.kind.padEnd(20)}  ${state.padEnd(12)}  ${remote}${basename(b.archive)}`;
          })
          .join('\n');
      });
    });
}
