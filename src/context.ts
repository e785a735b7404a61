import { existsSync } from 'node:fs';
import type { AuditRecorder } from './core/audit/session.js';
import { loadConfig, type OpsConfig } from './core/config/load.js';
import { readConfigFiles } from './core/config/read-files.js';
import type { FlagValue } from './core/config/resolve.js';
import { currentIds, resolveTrustedRoot } from './core/config/trust.js';
import { VARIABLES, VAR_NAMES, type VarName } from './core/config/variables.js';
import { argValue } from './core/falkordb/server-args.js';
import type { App } from './app.js';
import { createLogger, type Logger } from './output/logger.js';
import { createPrinter, type Printer } from './output/printer.js';
import type { Runtime } from './runtime.js';

/** The global options of CONTRACT "Invocation", as commander hands them to every command. */
export interface GlobalOptions {
  root?: string;
  json?: boolean;
  logLevel?: string;
  color?: boolean;
  quiet?: boolean;
}

/** CommandContext is what a command action gets: the app, its global options, logger, printer, signal and a config loader. */
export interface CommandContext {
  app: App;
  runtime: Runtime;
  globals: GlobalOptions;
  log: Logger;
  printer: Printer;
  signal: AbortSignal;
  /** Reads the .env files under the root and loads the validated config; warnings are logged. */
  config(flags?: Partial<Record<VarName, FlagValue>>): Promise<OpsConfig>;
  /** Adds details (archive, sha256, …) to the run's audit record, which run-cli writes when the run ends. */
  audit: AuditRecorder;
}

/** logLevelOf is the stderr log level the global options and the environment ask for. */
export function logLevelOf(globals: GlobalOptions, env: Runtime['env']): string {
  return globals.quiet ? 'warn' : (globals.logLevel ?? env.AUTOCODEX_OPS_LOG_LEVEL ?? 'info');
}

/** createContext wires the global options to a logger and printer for one command (`cmd` prefixes log lines). */
export function createContext(globals: GlobalOptions, app: App, cmd: string): CommandContext {
  const { runtime, redactor } = app;
  const json = Boolean(globals.json);
  const color = globals.color !== false && !runtime.env.NO_COLOR && Boolean(runtime.stdout.isTTY) && runtime.env.TERM !== 'dumb';
  const log = createLogger({ level: logLevelOf(globals, runtime.env), json, write: (line) => runtime.stderr.write(line), redact: (v) => redactor.value(v) }).child({ cmd });
  const printer = createPrinter(runtime.stdout, { json, color, redactor });
  return {
    app,
    runtime,
    globals,
    log,
    printer,
    signal: runtime.signal,
    audit: app.audit.recorder,
    async config(flags) {
      const { root, origin, policy } = resolveTrustedRoot({ flag: globals.root, env: runtime.env, cwd: runtime.cwd, ...(runtime.identity ?? currentIds()) });
      if (origin === 'cwd') log.info(`No Auto-Codex checkout (auto-codex/ or docker-compose.yml) at or above the working directory; using ${root} as the root.`);
      const files = await readConfigFiles(root, policy);
      const { config, warnings } = loadConfig({ env: runtime.env, files, flags, root, rootOrigin: origin, home: runtime.home, platform: runtime.platform, cwd: runtime.cwd, exists: existsSync });
      // Every secret value is scrubbed from all later output of this run, wherever it turns up.
      for (const name of VAR_NAMES) if (VARIABLES[name].secret === true) redactor.addSecret(config.values[name].value);
      redactor.addSecret(config.falkordb.password);
      for (const args of [config.falkordb.redisArgs, config.falkordb.falkordbArgs]) redactor.addSecret(argValue(args, 'requirepass'));
      for (const url of config.notify.urls) redactor.addSecret(url);
      for (const w of warnings) log.warn(w);
      // The audit record of this run goes where this config says, with its production profile.
      app.audit.useConfig(config);
      return config;
    },
  };
}
