import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { isTruthy } from '../config/env-bool.js';
import { defaultOf, loadConfig, type OpsConfig } from '../config/load.js';
import { readConfigFiles } from '../config/read-files.js';
import { resolveVariables, type Resolved } from '../config/resolve.js';
import { currentIds, resolveTrustedRoot } from '../config/trust.js';
import type { VarName } from '../config/variables.js';
import { ExitCode } from '../exit-codes.js';
import { canonicalJson, type AuditEntry } from './record.js';
import { appendAuditRecord, type AppendOptions } from './append.js';
import { auditPolicyFor, type AuditPolicy } from './policy.js';
import type { Redactor } from '../redact/redact.js';

/**
 * AuditRecorder is what a command sees as `ctx.audit`. It never throws and never writes: the
 * one record of the run is written by cli.ts when the run ends, whatever the outcome.
 */
export interface AuditRecorder {
  /** Adds what the run touched, e.g. `{ archive, sha256 }`; keys merge, arrays under one key concatenate. Secret-named fields are masked when written; an error message must be passed through the redactor's `text` first. */
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

/** What an audit session needs besides the runtime; the optional ones default to the real clock, identity and appender. */
export interface AuditSessionDeps {
  version: string;
  /** The run's redaction: argv, details and the error message pass through it. */
  redactor: Redactor;
  /** Where the session reports a record it could not write (the run's logger, `[audit]` lines). */
  log: { warn(msg: string): void; error(msg: string): void };
  now?: () => Date;
  identity?: () => { user: string; host: string; pid: number };
  append?: (entry: AuditEntry, options: AppendOptions) => Promise<unknown>;
}

// A record stays small so the appender's tail read always finds the last one whole.
const MAX_DETAILS_BYTES = 64 * 1024;

function defaultIdentity(runtime: AuditRuntime): { user: string; host: string; pid: number } {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers running as an arbitrary uid).
    user = runtime.env.USER ?? runtime.env.USERNAME ?? 'unknown';
  }
  return { user, host: hostname(), pid: runtime.pid ?? 0 };
}

/** What a session takes from the run's Runtime: where to look for the config, whose run it is, the abort signal. */
export interface AuditRuntime {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  platform: NodeJS.Platform;
  pid?: number;
  /** Effective uid/gid of the run (default: the process's), for trusting the root (trust.ts). */
  identity?: { uid: number; gid: number };
  signal: AbortSignal;
}

const targetOf = (c: OpsConfig): AuditTarget => ({ root: c.root, path: c.audit.path, maxBytes: c.audit.maxBytes, backups: c.audit.backups, production: c.production });

/**
 * AuditSession follows one run of the program: `begin` learns which command runs (run-cli calls it
 * before the command's action), the command's context feeds it the loaded config and details, and
 * `finish` appends the record. run-cli creates one per run and passes it down explicitly.
 */
export class AuditSession {
  readonly recorder: AuditRecorder;
  private command?: string;
  private policy: AuditPolicy = 'never';
  private startedAt?: Date;
  private target?: AuditTarget;
  private config?: OpsConfig;
  private rootFlag?: string;
  private details: Record<string, unknown> = {};

  constructor(
    private readonly runtime: AuditRuntime,
    private readonly argv: readonly string[],
    private readonly deps: AuditSessionDeps,
  ) {
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

  /** begin notes the command path (`backup falkordb`), its policy, the start time and the --root flag, before the action runs. */
  begin(command: string, globals: { root?: string }): void {
    this.command = command;
    if (this.policy === 'never') this.policy = auditPolicyFor(command);
    this.startedAt = this.now();
    this.rootFlag = globals.root;
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

  /**
   * rawValues resolves the variables without validating them, for when the configuration is
   * invalid (the run fails with exit 2) but its notification settings may still be fine.
   */
  async rawValues(): Promise<{ root: string; values: Record<VarName, Resolved> }> {
    const { runtime } = this;
    let trusted: ReturnType<typeof resolveTrustedRoot>;
    try {
      trusted = resolveTrustedRoot({ flag: this.rootFlag, env: runtime.env, cwd: runtime.cwd, ...(runtime.identity ?? currentIds()) });
    } catch {
      // An untrusted or missing root: its .env files must not choose where notifications go, nor
      // its folder where metrics are written; the environment alone decides, relative to the cwd.
      return { root: runtime.cwd, values: resolveVariables({ env: runtime.env, files: {} }) };
    }
    const files = await readConfigFiles(trusted.root, trusted.policy).catch(() => ({}));
    return { root: trusted.root, values: resolveVariables({ env: runtime.env, files }) };
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
    const id = this.deps.identity?.() ?? defaultIdentity(this.runtime);
    const outcome = exitCode === 0 ? 'ok' : exitCode === ExitCode.Interrupted || this.runtime.signal.aborted ? 'interrupted' : 'failed';
    const { redactor } = this.deps;
    // Details are results (paths, digests, reasons): secret-named fields and secret patterns are
    // masked, but known secret values are not scrubbed out of them, which rewrote a path that
    // merely held the password as a word (issue 14/23 §6). Secrets never reach details: commands
    // record results, and an error message they record is scrubbed where it is recorded.
    let details = redactor.details(this.details);
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
      args: redactor.argv(this.argv),
      outcome,
      exitCode,
      ...(message ? { error: redactor.text(message).slice(0, 1000) } : {}),
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
      const { config } = loadConfig({ env: runtime.env, files: await readConfigFiles(root, policy), root, home: runtime.home, platform: runtime.platform, cwd: runtime.cwd });
      return targetOf(config);
    } catch {
      // Invalid configuration: the run already fails with exit 2; its record still goes to the default place.
      // A relative path from the environment is taken against the working directory, as in the config.
      const fromEnv = runtime.env.AUTOCODEX_OPS_AUDIT_LOG?.trim() ? runtime.env.AUTOCODEX_OPS_AUDIT_LOG : undefined;
      const path = fromEnv ? resolve(runtime.cwd, fromEnv) : resolve(root, 'logs/autocodex-ops-audit.jsonl');
      return { root, path, maxBytes: Number(defaultOf('AUTO_CODEX_AUDIT_LOG_MAX_BYTES')), backups: Number(defaultOf('AUTO_CODEX_AUDIT_LOG_BACKUPS')), production: isTruthy(runtime.env.AUTO_CODEX_PRODUCTION) };
    }
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private report(level: 'warn' | 'error', msg: string): void {
    this.deps.log[level](msg);
  }
}
