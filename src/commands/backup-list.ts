import { Command } from 'commander';
import type { App } from '../app.js';
import { BACKUP_LIST } from '../cli-options.js';
import { createContext } from '../context.js';
import { futureDatedNote } from '../core/backup-store/future-dated.js';
import { LIST_KINDS, listAllBackups } from '../core/backup-store/list.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderBackupList } from '../output/backup.js';
import { printRemoteList, withRemoteColumn } from './offsite-list.js';

const schema = schemaOf(BACKUP_LIST);

/** backupListCommand lists the backups in the backup and pre-restore folders, newest first; it fails only on an unreadable folder. */
export function backupListCommand(app: App): Command {
  const cmd = new Command('list').description('list backups, newest first, with created-at, age, size and verification state');
  return addOptions(cmd, BACKUP_LIST).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'backup');
    const config = await ctx.config(flagOverrides(BACKUP_LIST, options));
    if (options.remote) {
      await printRemoteList(ctx, config, options.kind);
      return;
    }
    const now = new Date();
    const listed = await listAllBackups({
      dirs: [config.backupDir, config.preRestoreBackupDir],
      kinds: options.kind ? LIST_KINDS[options.kind] : undefined,
      check: options.check,
      now,
      signal: ctx.signal,
    });
    for (const b of listed.filter((l) => l.futureDated)) {
      ctx.log.warn(`${futureDatedNote(b.archive, new Date(b.createdAt), now)}; retention keeps it without counting it and freshness checks ignore it. Check the clock and that file.`);
    }
    const backups = await withRemoteColumn(ctx, config, listed);
    ctx.printer.result({ backups }, () => renderBackupList(backups, { dir: config.backupDir, checked: options.check }));
  });
}
