import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { detectRunningApp } from '../core/stack/app-running.js';
import { flagOverrides } from '../core/config/flags.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { renderSourcePlan, renderSourceResult } from '../core/rollback/render.js';
import { runSourceRollback } from '../core/rollback/run-source-rollback.js';
import { sourceFsAs } from '../core/rollback/source-fs.js';
import { ownerToActAs } from '../core/fs/identity.js';
import type { Runtime } from '../runtime.js';
import { rollbackImagesCommand } from './rollback-images.js';
import { consentGate, lockFor, type RollbackCommandDeps } from './rollback-shared.js';

export const rollbackSourceOptionsSchema = z
  .object({
    to: z.enum(['bundled', 'previous']),
    userdataDir: z.string().min(1).optional(),
    force: z.boolean().default(false),
    yes: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict();
export type RollbackSourceOptions = z.infer<typeof rollbackSourceOptionsSchema>;

const SOURCE_HELP = `
Paths (relative to userData):
  auto-codex-source/            the override the app runs instead of its bundled source
  auto-codex-updates/backup/    the updater's last-known-good copy (without .env and specs/)
  auto-codex-rollbacks/         dated safety copies made by this command

Examples:
  autocodex-ops rollback source --to bundled --dry-run
  autocodex-ops rollback source --to previous --yes`;

/** rollbackSourceCommand undoes a bad source update: back to the bundled source, or to the updater's backup keeping .env and specs/. */
export function rollbackSourceCommand(runtime: Runtime, deps: RollbackCommandDeps = {}): Command {
  return new Command('source')
    .description("undo a bad source update: drop the override (bundled) or restore the updater's backup (previous); the replaced override is kept as a dated safety copy")
    .addOption(new Option('--to <target>', 'bundled: the app falls back to its bundled source; previous: the updater\'s backup, with the current .env and specs/').choices(['bundled', 'previous']).makeOptionMandatory())
    .option('--userdata-dir <dir>', 'the Electron userData folder (env USERDATA_DIR; default: the OS location of "Auto Codex")')
    .option('--force', 'go ahead although the app may be running (its singleton lock is held)', false)
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--dry-run', 'print the plan and change nothing', false)
    .addHelpText('after', `${SOURCE_HELP}\n${exitStatusHelp()}`)
    .action(async (raw: unknown, command: Command) => {
      const options = rollbackSourceOptionsSchema.parse(raw);
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), runtime, 'rollback');
      const consent = consentGate(options, runtime, ctx, deps);
      const config = await ctx.config(flagOverrides(options));
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
          confirm: (plan) => consent(renderSourcePlan(plan)),
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
export function rollbackCommand(runtime: Runtime, deps: RollbackCommandDeps = {}): Command {
  return new Command('rollback')
    .description('undo a bad source update (source) or a bad image upgrade (images), with safety copies and automatic return on failure')
    .addCommand(rollbackSourceCommand(runtime, deps))
    .addCommand(rollbackImagesCommand(runtime, deps))
    .addHelpText('after', exitStatusHelp());
}
