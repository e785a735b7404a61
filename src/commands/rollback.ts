import { Command } from 'commander';
import { lockFor, type App } from '../app.js';
import { ROLLBACK_SOURCE } from '../cli-options.js';
import { consentFor } from '../consent.js';
import { createContext } from '../context.js';
import { detectRunningApp } from '../core/stack/app-running.js';
import { runSourceRollback } from '../core/rollback/run-source-rollback.js';
import { ownerToActAs } from '../core/fs/identity.js';
import { sourceFsAs } from '../core/rollback/source-fs.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderSourcePlan, renderSourceResult } from '../output/rollback.js';
import { rollbackImagesCommand } from './rollback-images.js';

const schema = schemaOf(ROLLBACK_SOURCE);

const SOURCE_HELP = `
Paths (relative to userData):
  auto-codex-source/            the override the app runs instead of its bundled source
  auto-codex-updates/backup/    the updater's last-known-good copy (without .env and specs/)
  auto-codex-rollbacks/         dated safety copies made by this command

Examples:
  autocodex-ops rollback source --to bundled --dry-run
  autocodex-ops rollback source --to previous --yes`;

/** rollbackSourceCommand undoes a bad source update: back to the bundled source, or to the updater's backup keeping .env and specs/. */
export function rollbackSourceCommand(app: App): Command {
  const cmd = new Command('source').description(
    "undo a bad source update: drop the override (bundled) or restore the updater's backup (previous); the replaced override is kept as a dated safety copy",
  );
  return addOptions(cmd, ROLLBACK_SOURCE)
    .addHelpText('after', SOURCE_HELP)
    .action(async (raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'rollback');
      const ask = consentFor('roll back', options, app.runtime, (text) => ctx.log.info(text));
      const config = await ctx.config(flagOverrides(ROLLBACK_SOURCE, options));
      ctx.audit.touch({ to: options.to, userdataDir: config.userdataDir, dryRun: options.dryRun, force: options.force });
      const result = await runSourceRollback(
        { to: options.to, userdataDir: config.userdataDir, force: options.force, dryRun: options.dryRun },
        {
          // As root on a user's userData folder, every file step runs as that folder's owner.
          fs: sourceFsAs(ownerToActAs(config.userdataDir)),
          appState: (dir) => detectRunningApp(dir),
          now: () => new Date(),
          signal: ctx.signal,
          log: ctx.log,
          lock: lockFor(ctx, config, 'userdata', 'rollback source'),
          confirm: (plan) => ask(renderSourcePlan(plan)),
        },
      );
      ctx.audit.touch({ safetyCopy: result.safetyCopy, from: result.from?.version, installed: result.installed?.version, carriedOver: result.carriedOver });
      ctx.printer.result(result, () => renderSourceResult(result));
    });
}

/**
 * rollbackCommand groups `rollback source` and `rollback images` (CONTRACT "Commands"). Both are
 * destructive: they ask on a TTY, need --yes otherwise (exit 2, nothing touched) and honour --dry-run.
 */
export function rollbackCommand(app: App): Command {
  return new Command('rollback')
    .description('undo a bad source update (source) or a bad image upgrade (images), with safety copies and automatic return on failure')
    .addCommand(rollbackSourceCommand(app))
    .addCommand(rollbackImagesCommand(app));
}
