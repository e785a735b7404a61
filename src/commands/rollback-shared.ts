import { join } from 'node:path';
import type { CommandContext, GlobalOptions } from '../context.js';
import { runFalkorBackup } from '../core/backups/falkordb-backup.js';
import type { OpsConfig } from '../core/config/load.js';
import { UsageError } from '../core/errors.js';
import { createExec } from '../core/exec/exec.js';
import { prepareCompose } from '../core/rollback/compose-runner.js';
import { fileEnvStore } from '../core/rollback/env-store.js';
import { fileImageHistory, imageHistoryPath } from '../core/stack/image-history.js';
import type { ImagesRollbackDeps } from '../core/rollback/run-images-rollback.js';
import { acquireLock } from '../core/run/lock.js';
import { lockPlace } from './locks.js';
import { askOnTerminal } from '../output/confirm.js';
import type { Runtime } from '../runtime.js';
import { backupDeps } from './backup-shared.js';
import { falkorTargetFrom } from '../core/stack/falkor-target.js';

/** Test seams of the rollback commands; the default asks on the real terminal. */
export interface RollbackCommandDeps {
  /** Asks a yes/no question on a TTY. */
  confirm?: (question: string, signal?: AbortSignal) => Promise<boolean>;
}

/**
 * consentGate applies CONTRACT's rule for destructive commands before any I/O: `--dry-run` needs no
 * consent; `--yes` gives it; on a TTY the returned function shows the plan on stderr and asks;
 * otherwise it throws UsageError (exit 2), so nothing is touched.
 */
export function consentGate(options: { yes: boolean; dryRun: boolean }, runtime: Runtime, ctx: CommandContext, deps: RollbackCommandDeps): (planText: string) => Promise<boolean> {
  if (options.dryRun || options.yes) {
    return async (planText) => {
      ctx.log.info(planText);
      return true;
    };
  }
  if (!runtime.stdinIsTTY) {
    throw new UsageError('Refusing to roll back without confirmation: stdin is not a terminal and --yes was not given; nothing was changed.', {
      hint: 'Preview the plan with --dry-run, then run again with --yes.',
    });
  }
  const ask = deps.confirm ?? askOnTerminal;
  return async (planText) => {
    runtime.stderr.write(`${planText}\n`);
    return ask('Go ahead?', ctx.signal);
  };
}

/** lockFor takes the machine-wide lock of what `target` names in this configuration, failing at once when another run holds it (exit 11). */
export function lockFor(ctx: CommandContext, config: OpsConfig, target: 'falkordb' | 'userdata' | 'images', command: string) {
  const place = lockPlace(ctx, config);
  const name = target === 'images' ? place.images : place.locks[target];
  return () => acquireLock({ dir: place.lockDir, target: name, command, signal: ctx.signal, log: ctx.log });
}

/** imagesDeps wires `rollback images` to the engine, compose, the root .env, the history and `backup falkordb`. */
export async function imagesDeps(
  ctx: CommandContext,
  globals: GlobalOptions,
  config: OpsConfig,
  options: { composeFile: string[]; confirm: ImagesRollbackDeps['confirm'] },
): Promise<ImagesRollbackDeps> {
  const { createDockerApi, pingEngine } = await import('../core/docker/index.js');
  const docker = await createDockerApi({ inputs: { env: ctx.runtime.env } });
  await pingEngine(docker, { signal: ctx.signal });
  const compose = await prepareCompose(createExec(), { root: config.root, project: config.composeProject, files: options.composeFile, signal: ctx.signal });
  const f = config.falkordb;
  const fromEnv = (['falkordb', 'graphiti'] as const).filter((k) => config.values[k === 'falkordb' ? 'FALKORDB_IMAGE_TAG' : 'GRAPHITI_MCP_IMAGE_TAG'].origin.kind === 'env');
  return {
    docker,
    compose,
    env: fileEnvStore(join(config.root, '.env')),
    history: fileImageHistory(imageHistoryPath(config.root)),
    locator: config,
    configured: { falkordb: f.imageTag, graphiti: config.graphitiMcp.imageTag, fromEnv },
    healthTimeoutMs: config.restoreHealthTimeoutSecs * 1000,
    signal: ctx.signal,
    now: () => new Date(),
    log: ctx.log,
    lock: lockFor(ctx, config, 'images', 'rollback images'),
    lockFalkordb: lockFor(ctx, config, 'falkordb', 'rollback images'),
    confirm: options.confirm,
    // The same backup as `backup falkordb` (mode from FALKORDB_BACKUP_MODE), without retention:
    // a rollback must not prune the backups it may need.
    backupFalkordb: () =>
      runFalkorBackup(
        {
          mode: config.backupMode,
          outputDir: config.backupDir,
          policy: { keepMin: 1 },
          waitSeconds: 0,
          saveTimeoutSeconds: 300,
          ...falkorTargetFrom(config),
        },
        { ...backupDeps(ctx, globals, config), docker: async () => docker, connect: async (o) => (await import('../core/falkordb/falkordb.js')).connectFalkor(o) },
      ),
  };
}
