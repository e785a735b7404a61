import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import { AuditSession, type AuditSessionDeps } from './core/audit/session.js';
import { commandPath, type NamedCommand } from './core/audit/policy.js';
import type { BackupDeps, BackupResult } from './core/backups/backup-result.js';
import { falkorTargetFrom } from './core/stack/falkor-target.js';
import type { RetentionPolicy } from './core/backup-store/prune.js';
import type { OpsConfig } from './core/config/load.js';
import { currentIds } from './core/config/trust.js';
import type { DockerApi } from './core/docker/docker.js';
import type { FalkorClient, FalkorConnectOptions } from './core/falkordb/falkordb.js';
import { createRedactor, type Redactor } from './core/redact/redact.js';
import type { RestoreDeps, RestorePlan } from './core/restore/restore-result.js';
import type { ImagesRollbackDeps } from './core/rollback/run-images-rollback.js';
import { acquireLock } from './core/run/lock.js';
import { opsLockDir } from './core/run/lock-dir.js';
import { opsStateDir } from './core/run/state-dir.js';
import type { JournalPlace } from './core/backup-store/restore-journal.js';
import { engineKey, falkordbLockTarget, imagesLockTarget, userdataLockTarget, type LockTargets } from './core/run/target-lock.js';
import { createLogger } from './output/logger.js';
import { createProgressLine } from './output/progress.js';
import type { Runtime } from './runtime.js';
import { VERSION } from './version.js';

/**
 * App is the composition root of one run: the runtime, the run's redactor and audit session, and
 * the live dependencies, each built once and only when first used (dockerode and ioredis load
 * then, so `--version`, `config` and `healthcheck --list-checks` never pay for them).
 */
export interface App {
  runtime: Runtime;
  redactor: Redactor;
  audit: AuditSession;
  /** The run's one engine client (DOCKER_HOST, else the current Docker context); not contacted until used. */
  docker(): Promise<DockerApi>;
  /** Opens a FalkorDB connection (ioredis loads on the first call). */
  connectFalkor(options: FalkorConnectOptions): Promise<FalkorClient>;
}

/**
 * createApp wires one run: a fresh redactor, the audit session that writes the run's record, lazy
 * engine and server clients. `audit` replaces the session's version, clock, identity or appender (tests).
 */
export function createApp(runtime: Runtime, argv: readonly string[], audit: Partial<Pick<AuditSessionDeps, 'version' | 'now' | 'identity' | 'append'>> = {}): App {
  const redactor = createRedactor();
  const json = argv.includes('--json');
  // The audit session reports through the same logger shape as every command (`[audit] …`).
  const log = createLogger({ level: 'warn', json, write: (line) => runtime.stderr.write(line), redact: (v) => redactor.value(v) }).child({ cmd: 'audit' });
  const session = new AuditSession(runtime, argv, { version: VERSION, redactor, log: { warn: (m) => log.warn(m), error: (m) => log.error(m) }, ...audit });
  let docker: Promise<DockerApi> | undefined;
  return {
    runtime,
    redactor,
    audit: session,
    docker: () =>
      (docker ??= import('./core/docker/docker.js').then(({ createDockerApi }) =>
        createDockerApi({ inputs: { env: runtime.env, homedir: runtime.home, platform: runtime.platform } }),
      )),
    connectFalkor: async (options) => (await import('./core/falkordb/falkordb.js')).connectFalkor(options),
  };
}

/** attachAudit tells the run's audit session which command runs, just before its action starts. */
export function attachAudit(program: Command, audit: AuditSession): Command {
  return program.hook('preAction', (_self, action) => audit.begin(commandPath(action as NamedCommand), action.optsWithGlobals<{ root?: string }>()));
}

/** Where this run's locks live and what they are named for (its engine, volume, userData folder, compose project). */
export interface LockPlace {
  lockDir: string;
  locks: LockTargets;
  images: string;
}

/** lockPlace computes the machine-wide lock folder and the lock names of this configuration. */
export function lockPlace(ctx: CommandContext, config: OpsConfig): LockPlace {
  const { env, home } = ctx.runtime;
  const engine = engineKey(env);
  return {
    lockDir: opsLockDir({ env, home, uid: (ctx.runtime.identity ?? currentIds()).uid, warn: (m) => ctx.log.warn(m) }),
    locks: { falkordb: falkordbLockTarget(engine, config.falkordb.volume), userdata: userdataLockTarget(config.userdataDir) },
    images: imagesLockTarget(engine, config.composeProject),
  };
}

/**
 * journalPlace is where this run looks for restore journals and writes them: the machine-wide state
 * folder (the same for every root and configuration), named for the engine; PRE_RESTORE_BACKUP_DIR
 * is still read for journals written there by earlier versions.
 */
export function journalPlace(ctx: CommandContext, config: OpsConfig): JournalPlace {
  const { env, home } = ctx.runtime;
  return { dir: opsStateDir({ env, home, uid: (ctx.runtime.identity ?? currentIds()).uid }), engine: engineKey(env), legacyDir: config.preRestoreBackupDir };
}

/** useCaseDeps is what every backup and restore use case needs; the progress line appears on a TTY only, never with --json or --quiet. */
export function useCaseDeps(ctx: CommandContext, config: OpsConfig, prefix: string): BackupDeps {
  const showProgress = Boolean(ctx.runtime.stderr.isTTY) && !ctx.globals.json && !ctx.globals.quiet;
  return {
    log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m) },
    signal: ctx.signal,
    now: () => new Date(),
    hostname: hostname(),
    toolVersion: VERSION,
    ...(({ lockDir, locks }) => ({ lockDir, locks }))(lockPlace(ctx, config)),
    ...(showProgress ? { progress: createProgressLine(ctx.runtime.stderr, `[${prefix}]`) } : {}),
  };
}

/** restoreDeps adds the error log and the consent to useCaseDeps. */
export function restoreDeps(ctx: CommandContext, config: OpsConfig, confirm: (plan: RestorePlan) => Promise<boolean>): RestoreDeps {
  const base = useCaseDeps(ctx, config, 'restore');
  return { ...base, log: { ...base.log, error: (m) => ctx.log.error(m) }, confirm };
}

/** The options of one FalkorDB backup that are not configuration. */
export interface FalkorBackupRun {
  policy: RetentionPolicy;
  /** age recipients or passphrase (issue 21); undefined: not encrypted. */
  encryption?: BackupDeps['encryption'];
  waitSeconds: number;
  saveTimeoutSeconds: number;
}

/** falkorBackup runs `backup falkordb` as configured (mode from FALKORDB_BACKUP_MODE or --mode) on the run's one engine client. */
export async function falkorBackup(ctx: CommandContext, config: OpsConfig, run: FalkorBackupRun): Promise<BackupResult> {
  const { runFalkorBackup } = await import('./core/backups/falkordb-backup.js');
  return runFalkorBackup(
    { mode: config.backupMode, outputDir: config.backupDir, journals: journalPlace(ctx, config), policy: run.policy, waitSeconds: run.waitSeconds, saveTimeoutSeconds: run.saveTimeoutSeconds, ...falkorTargetFrom(config) },
    { ...useCaseDeps(ctx, config, 'backup'), encryption: run.encryption, docker: () => ctx.app.docker(), connect: (o) => ctx.app.connectFalkor(o) },
  );
}

/** lockFor takes the machine-wide lock of what `target` names in this configuration, failing at once when another run holds it (exit 11). */
export function lockFor(ctx: CommandContext, config: OpsConfig, target: 'falkordb' | 'userdata' | 'images', command: string) {
  const place = lockPlace(ctx, config);
  const name = target === 'images' ? place.images : place.locks[target];
  return () => acquireLock({ dir: place.lockDir, target: name, command, signal: ctx.signal, log: ctx.log });
}

/** imagesDeps wires `rollback images` to the engine, compose, the root .env, the history and a FalkorDB backup. */
export async function imagesDeps(
  ctx: CommandContext,
  config: OpsConfig,
  options: { composeFile: string[]; saveTimeoutSeconds: number; confirm: ImagesRollbackDeps['confirm'] },
): Promise<ImagesRollbackDeps> {
  const [{ pingEngine }, { createExec }, { prepareCompose }, { fileEnvStore }, { fileImageHistory, imageHistoryPath }] = await Promise.all([
    import('./core/docker/index.js'),
    import('./core/exec/exec.js'),
    import('./core/rollback/compose-runner.js'),
    import('./core/rollback/env-store.js'),
    import('./core/stack/image-history.js'),
  ]);
  const docker = await ctx.app.docker();
  await pingEngine(docker, { signal: ctx.signal });
  const compose = await prepareCompose(createExec(), { root: config.root, project: config.composeProject, files: options.composeFile, signal: ctx.signal });
  const fromEnv = (['falkordb', 'graphiti'] as const).filter((k) => config.values[k === 'falkordb' ? 'FALKORDB_IMAGE_TAG' : 'GRAPHITI_MCP_IMAGE_TAG'].origin.kind === 'env');
  return {
    docker,
    compose,
    env: fileEnvStore(join(config.root, '.env')),
    history: fileImageHistory(imageHistoryPath(config.root)),
    locator: config,
    configured: { falkordb: config.falkordb.imageTag, graphiti: config.graphitiMcp.imageTag, fromEnv },
    healthTimeoutMs: config.restoreHealthTimeoutSecs * 1000,
    falkor: { connect: (o) => ctx.app.connectFalkor(o), server: falkorTargetFrom(config).server },
    signal: ctx.signal,
    now: () => new Date(),
    log: ctx.log,
    lock: lockFor(ctx, config, 'images', 'rollback images'),
    lockFalkordb: lockFor(ctx, config, 'falkordb', 'rollback images'),
    confirm: options.confirm,
    // The same backup as `backup falkordb`, without retention: a rollback must not prune the backups it may need.
    backupFalkordb: () => falkorBackup(ctx, config, { policy: { keepMin: 1 }, waitSeconds: 0, saveTimeoutSeconds: options.saveTimeoutSeconds }),
  };
}

/** retentionPolicy combines the parsed retention flags with the configuration (BACKUP_RETENTION_DAYS through --retention-days). */
export function retentionPolicy(options: { keepLast?: number; keepMin: number }, config: OpsConfig): RetentionPolicy {
  return { retentionDays: config.retentionDays, keepLast: options.keepLast, keepMin: options.keepMin };
}
