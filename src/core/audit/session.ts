import type { Command } from 'commander';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { isTruthy } from '../config/env-bool.js';
import { loadConfig, type OpsConfig } from '../config/load.js';
import { readConfigFiles } from '../config/read-files.js';
import { currentIds, resolveTrustedRoot } from '../config/trust.js';
import { ExitCode } from '../exit-codes.js';
import { canonicalJson, type AuditEntry } from './record.js';
import { appendAuditRecord, type AppendOptions } from './append.js';
import { auditPolicyFor, commandPath, type AuditPolicy, type NamedCommand } from './policy.js';
import { redactArgv, redactText, redactValue } from '../redact/redact.js';
import type { Runtime } from '../../runtime.js';

/**
 * AuditRecorder is what a command sees as `ctx.audit`. It never throws and never writes: the
 * one record of the run is written by cli.ts when the run ends, whatever the outcome.
 */
export interface AuditRecorder {
  /** Adds what the run touched, e.g. `{ archive, sha256 }`; keys merge, arrays under one key concatenate. Redacted when written. */
  touch(details: Record<string, unknown>): void;
  /** Records this run even if the central policy (policy.ts) would not. */
  enable(): void;
}

/** The recorder of a run without an audit session (unit tests that build a context by hand). */
export const NOOP_RECORDER: AuditRecorder = { touch: () => undefined, enable: () => undefined };

/** Where this run's record goes and whether the production profile is in force (from OpsConfig). */
export interface AuditTarget {
  root: string;
  path: string;
  maxBytes: number;
  backups: number;
  production: boolean;
}

/** Test seams of an audit session; the defaults are the real clock, identity and appender. */
export interface AuditSessionDeps {
  version: string;
  now?: () => Date;
  identity?: () => { user: string; host: string; pid: number };
  append?: (entry: AuditEntry, options: AppendOptions) => Promise<unknown>;
}

const sessions = new WeakMap<Runtime, AuditSession>();
// A record stays small so the appender's tail read always finds the last one whole.
const MAX_DETAILS_BYTES = 64 * 1024;

function defaultIdentity(env: Runtime['env']): { user: string; host: string; pid: number } {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers running as an arbitrary uid).
    user = env.USER ?? env.USERNAME ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  return { user, host: hostname(), pid: process.pid };
}

const targetOf = (c: OpsConfig): AuditTarget => ({ root: c.root, path: c.audit.path, maxBytes: c.audit.maxBytes, backups: c.audit.backups, production: c.production });

/**
 * AuditSession follows one run of the program: `attach` learns which command runs (a preAction
 * hook), the command's context feeds it the loaded config and details, and `finish` appends the
 * record. Only cli.ts (and its in-process test twin) creates one.
 */
export class AuditSession {
  readonly recorder: AuditRecorder;
  private command?: string;
  private policy: AuditPolicy = 'never';
  private startedAt?: Date;
  private target?: AuditTarget;
  private config?: OpsConfig;
  private rootFlag?: string;
  private json: boolean;
  private details: Record<string, unknown> = {};

  constructor(
    private readonly runtime: Runtime,
    private readonly argv: readonly string[],
    private readonly deps: AuditSessionDeps,
  ) {
    this.json = argv.includes('--json');
    this.recorder = {
      touch: (details) => {
        for (const [key, value] of Object.entries(details)) {
          const old = this.details[key];
          this.details[key] = Array.isArray(old) && Array.isArray(value) ? [...old, ...value] : value;
        }
      },
      enable: () => {
        this.policy = 'always';
      },
    };
  }

  /** attach adds the hook that notes the command path, its policy and start time before its action runs. */
  attach(program: Command): Command {
    return program.hook('preAction', (_self, action) => {
      this.command = commandPath(action as NamedCommand);
      if (this.policy === 'never') this.policy = auditPolicyFor(this.command);
      this.startedAt = this.now();
      const globals = action.optsWithGlobals<{ root?: string; json?: boolean }>();
      this.rootFlag = globals.root;
      this.json = Boolean(globals.json);
    });
  }

  /** useConfig is called by the context whenever a command loads its config; the last one wins. */
  useConfig(config: OpsConfig): void {
    this.target = targetOf(config);
    this.config = config;
  }

  /**
   * facts says what ran, when it started, the details it recorded and the config it loaded, for
   * what happens after the run (notification, metrics); undefined when no command action started.
   */
  facts(): { command: string; startedAt: Date; details: Record<string, unknown>; config?: OpsConfig } | undefined {
    if (!this.command || !this.startedAt) return undefined;
    return { command: this.command, startedAt: this.startedAt, details: { ...this.details }, config: this.config };
  }

  /** runConfig is the config the run loaded, else the one it would have (undefined when that is invalid). */
  async runConfig(): Promise<OpsConfig | undefined> {
    if (this.config) return this.config;
    const { runtime } = this;
    try {
      // An untrusted or missing root gives no config (trust.ts), like an invalid one.
      const { root, policy } = resolveTrustedRoot({ flag: this.rootFlag, env: runtime.env, cwd: runtime.cwd, ...(runtime.identity ?? currentIds()) });
      return loadConfig({ env: runtime.env, files: await readConfigFiles(root, policy), root, home: runtime.home, platform: runtime.platform }).config;
    } catch {
      return undefined;
    }
  }

  /**
   * finish appends the run's record when the policy asks for one and returns the exit code to
   * use. It never throws: a failed append is reported on stderr and turns a successful exit into
   * 1 only in the production profile; a failing exit code is always kept as it is.
   */
  async finish(exitCode: number, error?: unknown): Promise<number> {
    if (!this.command || !this.startedAt || this.policy === 'never') return exitCode;
    let target = this.target;
    try {
      // healthcheck counts only once it has loaded its config (and with it, the profile).
      if (!target && this.policy === 'production') return exitCode;
      target ??= await this.fallbackTarget();
      if (this.policy === 'production' && !target.production) return exitCode;
      await (this.deps.append ?? appendAuditRecord)(this.entry(target, exitCode, error), {
        path: target.path,
        maxBytes: target.maxBytes,
        backups: target.backups,
        now: () => this.now(),
        log: { warn: (msg) => this.report('warn', msg) },
      });
      return exitCode;
    } catch (err) {
      const production = target?.production ?? isTruthy(this.runtime.env.AUTO_CODEX_PRODUCTION);
      const where = target ? ` to ${target.path}` : '';
      const consequence = production && exitCode === 0 ? ' The production profile requires an audit trail, so this run exits 1.' : '';
      this.report('error', `Could not write the audit record of "${this.command}"${where}: ${(err as Error).message ?? String(err)}.${consequence}`);
      return production && exitCode === 0 ? ExitCode.Failed : exitCode;
    }
  }

  private entry(target: AuditTarget, exitCode: number, error: unknown): AuditEntry {
    const end = this.now();
    const id = this.deps.identity?.() ?? defaultIdentity(this.runtime.env);
    const outcome = exitCode === 0 ? 'ok' : exitCode === ExitCode.Interrupted || this.runtime.signal.aborted ? 'interrupted' : 'failed';
    let details = redactValue(this.details);
    const size = Buffer.byteLength(canonicalJson(details));
    if (size > MAX_DETAILS_BYTES) details = { truncated: true, bytes: size, keys: Object.keys(details) };
    const message = exitCode === 0 || error === undefined ? undefined : error instanceof Error ? error.message : String(error);
    return {
      time: end.toISOString(),
      startedAt: this.startedAt!.toISOString(),
      durationMs: Math.max(0, end.getTime() - this.startedAt!.getTime()),
      tool: 'autocodex-ops',
      version: this.deps.version,
      ...id,
      root: target.root,
      command: this.command!,
      args: redactArgv(this.argv),
      outcome,
      exitCode,
      ...(message ? { error: redactText(message).slice(0, 1000) } : {}),
      details,
    };
  }

  // The command failed before loading its config: find the trail the way the config would.
  private async fallbackTarget(): Promise<AuditTarget> {
    const { runtime } = this;
    // A root that does not exist or that another user controls gets no record: writing one there
    // would create folders the run was refused for, or follow that user's links as root.
    const { root, policy } = resolveTrustedRoot({ flag: this.rootFlag, env: runtime.env, cwd: runtime.cwd, ...(runtime.identity ?? currentIds()) });
    try {
      const { config } = loadConfig({ env: runtime.env, files: await readConfigFiles(root, policy), root, home: runtime.home, platform: runtime.platform });
      return targetOf(config);
    } catch {
      // Invalid configuration: the run already fails with exit 2; its record still goes to the default place.
      const path = resolve(root, runtime.env.AUTOCODEX_OPS_AUDIT_LOG ?? 'logs/autocodex-ops-audit.jsonl');
      return { root, path, maxBytes: 5 * 1024 * 1024, backups: 5, production: isTruthy(runtime.env.AUTO_CODEX_PRODUCTION) };
    }
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private report(level: 'warn' | 'error', msg: string): void {
    const text = redactText(msg);
    this.runtime.stderr.write(this.json ? `${JSON.stringify({ level, cmd: 'audit', msg: text })}\n` : `[audit] ${level === 'error' ? 'Error' : 'Warning'}: ${text}\n`);
  }
}

/** startAuditSession creates the session of one run and binds it to the runtime, so contexts built on that runtime reach it. */
export function startAuditSession(runtime: Runtime, argv: readonly string[], deps: AuditSessionDeps): AuditSession {
  const session = new AuditSession(runtime, argv, deps);
  sessions.set(runtime, session);
  return session;
}

/** auditSessionOf returns the session bound to a runtime, if any. */
export function auditSessionOf(runtime: Runtime): AuditSession | undefined {
  return sessions.get(runtime);
}
