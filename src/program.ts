import { Command } from 'commander';
import type { App } from './app.js';
import { GLOBAL_OPTIONS } from './cli-options.js';
import { auditCommand } from './commands/audit.js';
import { backupCommand } from './commands/backup.js';
import { configCommand } from './commands/config.js';
import { hardenCommand } from './commands/harden.js';
import { healthcheckCommand } from './commands/healthcheck.js';
import { lockDepsCommand } from './commands/lock-deps.js';
import { drillCommand } from './commands/drill.js';
import { projectsCommand } from './commands/projects.js';
import { restoreCommand } from './commands/restore.js';
import { rollbackCommand } from './commands/rollback.js';
import { scheduleCommand } from './commands/schedule.js';
import { supportBundleCommand } from './commands/support-bundle.js';
import { exitStatusHelp } from './core/exit-codes.js';
import { addOptions } from './option-spec.js';
import { VERSION } from './version.js';

/**
 * createProgram builds the commander tree with the global options of CONTRACT "Invocation".
 * It has no side effects on import or call: no signal handlers, no process.exit (exitOverride).
 */
export function createProgram(app: App): Command {
  const { runtime } = app;
  const program = new Command('autocodex-ops')
    .description('Operations for Auto-Codex: healthcheck, backup, restore, rollback, lock-deps, audit.')
    .version(VERSION, '-V, --version', 'print the version');
  addOptions(program, GLOBAL_OPTIONS).showSuggestionAfterError(true);

  program.addCommand(healthcheckCommand(app));
  program.addCommand(backupCommand(app));
  program.addCommand(restoreCommand(app));
  program.addCommand(drillCommand(app));
  program.addCommand(hardenCommand(app));
  program.addCommand(rollbackCommand(app));
  program.addCommand(lockDepsCommand(app));
  program.addCommand(auditCommand(app));
  program.addCommand(configCommand(app));
  program.addCommand(supportBundleCommand(app));
  program.addCommand(scheduleCommand(app));
  program.addCommand(projectsCommand(app));

  // Every command exits through run-cli, never through commander's process.exit, writes usage
  // errors through the same printer as every other error, and shows the exit-status table in its help.
  const configure = (cmd: Command) => {
    cmd.addHelpText('after', exitStatusHelp());
    cmd.exitOverride().configureOutput({
      writeOut: (s) => runtime.stdout.write(s),
      writeErr: (s) => runtime.stderr.write(s),
      outputError: () => undefined,
    });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}
