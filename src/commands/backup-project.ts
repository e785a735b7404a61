import { Command } from 'commander';
import { retentionPolicy, useCaseDeps, type App } from '../app.js';
import { BACKUP_PROJECT } from '../cli-options.js';
import { createContext } from '../context.js';
import type { BackupResult } from '../core/backups/backup-result.js';
import { ReportedFailure } from '../core/errors.js';
import { runProjectBackups, selectProjects, type ProjectBackupRow } from '../core/projects/backup-projects.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderProjectBackups } from '../output/projects.js';
import { backupEncryption } from './age-options.js';
import { offsiteAfterBackup, offsiteWanted } from './offsite-shared.js';

const schema = schemaOf(BACKUP_PROJECT);

const HELP = `
Each project's .auto-codex/ (specs, task logs) goes to <backup dir>/project_<name>_<UTC>.tar.gz
with .sha256 and .manifest.json (which project, which subset), verified before it is kept;
retention applies to each project's own archives. A missing project folder is reported and the
others are still done (exit 1 at the end); a project without .auto-codex/ is skipped with a note.

Examples:
  autocodex-ops backup project ~/code/my-app
  autocodex-ops backup project --all --logs-only --retention-days 30`;

/** As BackupResult for the offsite push of one project's archive. */
function asBackupResult(row: ProjectBackupRow): BackupResult {
  return {
    kind: 'project',
    archive: row.archive!,
    sha256: row.sha256!,
    bytes: row.bytes!,
    durationMs: row.durationMs ?? 0,
    pruned: row.pruned ?? [],
    uncompressedBytes: row.uncompressedBytes ?? 0,
    entries: row.entries ?? 0,
    sidecars: row.sidecars ?? [],
    encrypted: row.encrypted ?? false,
    warnings: row.warnings,
  };
}

/** backupProjectCommand backs up the named projects' (or every known project's) .auto-codex/; exit 1 when any project failed. */
export function backupProjectCommand(app: App): Command {
  const cmd = new Command('project')
    .description("back up each project's .auto-codex/ (specs and task logs) into a verified project_<name>_<UTC>.tar.gz with sidecars")
    .argument('[dirs...]', 'project folders (or --all)');
  return addOptions(cmd, BACKUP_PROJECT)
    .addHelpText('after', HELP)
    .action(async (dirs: string[], raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'backup');
      const config = await ctx.config(flagOverrides(BACKUP_PROJECT, options));
      const projects = await selectProjects({ dirs, all: options.all, userdataDir: config.userdataDir, cwd: app.runtime.cwd });
      // Decided before any backup: --offsite without a store is exit 2 with nothing written.
      const offsite = await offsiteWanted(ctx, config, options.offsite);
      const encryption = await backupEncryption(ctx, config, options);
      const report = await runProjectBackups(
        { projects, outputDir: config.backupDir, subset: options.logsOnly ? 'logs-only' : 'full', policy: retentionPolicy(options, config), waitSeconds: options.wait },
        { ...useCaseDeps(ctx, config, 'backup'), encryption },
      );
      let offsiteFailed = 0;
      const rows: Array<ProjectBackupRow & { offsite?: Record<string, unknown> }> = [];
      for (const row of report.projects) {
        if (row.status !== 'ok' || !offsite) {
          rows.push(row);
          continue;
        }
        const done = await offsiteAfterBackup(ctx, ctx.globals, offsite, asBackupResult(row));
        if (done.failure) offsiteFailed += 1;
        rows.push({ ...row, offsite: done.result.offsite });
      }
      const shown = { ...report, projects: rows };
      const ok = rows.filter((r) => r.status === 'ok');
      ctx.audit.touch({ kind: 'project', projects: rows.length, failed: report.failed, archives: ok.map((r) => r.archive), pruned: ok.flatMap((r) => r.pruned ?? []), ...(ok.length === 1 ? { archive: ok[0]!.archive, sha256: ok[0]!.sha256, bytes: ok[0]!.bytes } : {}) });
      if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(shown, () => renderProjectBackups(shown));
      if (report.failed > 0 || offsiteFailed > 0) {
        throw new ReportedFailure(`backup project: ${report.failed} project(s) failed${offsiteFailed ? `, ${offsiteFailed} offsite push(es) failed` : ''}`);
      }
    });
}
