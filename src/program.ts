import { Command } from 'commander';
import { VERSION } from './version.js';
import { exitStatusHelp } from './core/exit-codes.js';

/** createProgram builds the commander tree; importing this module has no side effects. */
export function createProgram(): Command {
  const program = new Command('autocodex-ops')
    .description('Operations for Auto-Codex: healthcheck, backup, restore, rollback, lock-deps, audit.')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .addHelpText('after', exitStatusHelp());
  return program;
}
