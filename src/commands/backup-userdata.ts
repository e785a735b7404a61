import { Command } from 'commander';
import { retentionPolicy, useCaseDeps, type App } from '../app.js';
import { BACKUP_USERDATA } from '../cli-options.js';
import { createContext } from '../context.js';
import { runUserdataBackup } from '../core/backups/userdata-backup.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderBackup } from '../output/backup.js';

const schema = schemaOf(BACKUP_USERDATA);

/** backupUserdataCommand archives the Electron userData folder; it refuses while the app runs unless --force (exit 1). */
export function backupUserdataCommand(app: App): Command {
  const cmd = new Command('userdata').description("back up the Auto Codex app's userData folder (settings, tokens, history) into a verified .tar.gz with sidecars");
  return addOptions(cmd, BACKUP_USERDATA).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'backup');
    const config = await ctx.config(flagOverrides(BACKUP_USERDATA, options));
    const result = await runUserdataBackup(
      { userdataDir: config.userdataDir, outputDir: config.backupDir, policy: retentionPolicy(options, config), force: options.force, waitSeconds: options.wait },
      useCaseDeps(ctx, config, 'backup'),
    );
    // The audit record, the notification and the metrics file all read these.
    ctx.audit.touch({ kind: result.kind, archive: result.archive, sha256: result.sha256, bytes: result.bytes, ...(result.mode ? { mode: result.mode } : {}) });
    if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(result, () => renderBackup(result));
  });
}
