import { Command, Option } from 'commander';
import { auditCommand } from './commands/audit.js';
import { backupCommand } from './commands/backup.js';
import { configCommand } from './commands/config.js';
import { healthcheckCommand } from './commands/healthcheck.js';
import { lockDepsCommand } from './commands/lock-deps.js';
import { restoreCommand } from './commands/restore.js';
import { rollbackCommand } from './commands/rollback.js';
import { supportBundleCommand } from './commands/support-bundle.js';
import { scheduleCommand } from './commands/schedule.js';
import { exitStatusHelp } from './core/exit-codes.js';
import type { Runtime } from './runtime.js';
import { VERSION } from './version.js';

/**
 * createProgram builds the commander tree with the global options of CONTRACT "Invocation".
 * It has no side effects on import or call: no signal handlers, no process.exit (exitOverride).
 */
export function createProgram(runtime: Runtime): Command {
  const program = new Command('autocodex-ops')
    .description('Operations for Auto-Codex: healthcheck, backup, restore, rollback, lock-deps, audit.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--root <dir>', 'the Auto-Codex checkout (env AUTO_CODEX_ROOT; default: nearest folder with auto-codex/ or docker-compose.yml)')
    .option('--json', 'one JSON document on stdout; errors as JSON on stderr')
    .addOption(new Option('--log-level <level>', 'log level on stderr (env AUTOCODEX_OPS_LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--no-color', 'plain output (also NO_COLOR)')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .showSuggestionAfterError(true)
    .addHelpText('after', exitStatusHelp());

  program.addCommand(healthcheckCommand(runtime));
  program.addCommand(backupCommand(runtime));
  program.addCommand(restoreCommand(runtime));
  program.addCommand(rollbackCommand(runtime));
  program.addCommand(lockDepsCommand(runtime));
  program.addCommand(scheduleCommand(runtime));
  program.addCommand(auditCommand(runtime));
  program.addCommand(configCommand(runtime));
  program.addCommand(supportBundleCommand(runtime));

  // Every command exits through cli.ts, never through commander's process.exit, and writes
  // usage errors through the same printer as every other error.
  const configure = (cmd: Command) => {
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
