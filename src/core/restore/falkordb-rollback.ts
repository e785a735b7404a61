import { basename, dirname } from 'node:path';
import type { ContainerInfo } from '../docker/docker.js';
import { stopContainers } from '../docker/stop-start.js';
import { InterruptedError, OpsError } from '../errors.js';
import { bringUp, type BringUpOptions, type ServicesHealth, type ServiceSet } from './falkordb-services.js';
import type { RestoreDocker } from './falkordb-target.js';
import type { PutBack } from '../stack/falkordb-volume.js';
import type { RestoreLog } from './phases.js';

/** Everything a rollback needs; it deliberately carries no AbortSignal: it runs because of one. */
export interface RollbackContext {
  docker: RestoreDocker;
  services: ServiceSet;
  volume: string;
  helperImage: string;
  safetyPath: string;
  putBack: PutBack;
  /** What putBack puts back, as messages name it; default `the safety copy <safetyPath>`. */
  wayBack?: string;
  /** The shell command that does putBack and the restart by hand; default manualRestoreCommand. */
  manual?: string;
  /** The containers that ran before the restore, in start order: exactly these are started again. */
  wereRunning: ContainerInfo[];
  health: Omit<BringUpOptions, 'start' | 'signal'>;
  log: RestoreLog;
}

/** How far a rollback got: the volume holds the safety copy again (`restored`) or is in an unknown state. */
export interface RollbackOutcome {
  volume: 'restored' | 'unknown';
  health?: ServicesHealth;
  failure?: { step: string; message: string };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * manualRestoreCommand is the one shell command that puts a safety copy back by hand: a helper from
 * the local FalkorDB image wipes the volume (dotfiles included) and untars the archive with plain
 * `tar`, then the services that ran are started. Every value is shell-quoted; pure.
 */
export function manualRestoreCommand(o: { volume: string; archive: string; image: string; start: string[] }): string {
  const run =
    `docker run --rm --network none --entrypoint sh -v ${quote(`${o.volume}:/data`)} -v ${quote(`${dirname(o.archive)}:/backup:ro`)} ${quote(o.image)} ` +
    `-c 'rm -rf /data/* /data/.[!.]* /data/..?* && tar -xzf "/backup/$1" -C /data' _ ${quote(basename(o.archive))}`;
  return o.start.length > 0 ? `${run} && docker start ${o.start.map(quote).join(' ')}` : run;
}

/**
 * rollBackToSafetyCopy undoes a failed restore: it stops FalkorDB and Graphiti MCP if the restore
 * started them, puts the safety copy back (wipe + extract, the same path as the restore), starts
 * exactly what ran before and waits for it with the same health checks, the data checked by an
 * authenticated PING only. It never rejects: the outcome says how far it got and what failed.
 */
export async function rollBackToSafetyCopy(ctx: RollbackContext): Promise<RollbackOutcome> {
  const { docker, services, log } = ctx;
  let step = 'stopping the services the restore had started';
  try {
    const ids = [services.falkordb?.id, services.graphiti?.id].filter((id): id is string => id !== undefined);
    await stopContainers(docker, ids);
    step = `putting ${ctx.wayBack ?? `the safety copy ${ctx.safetyPath}`} back into volume ${ctx.volume}`;
    log.warn(`Rolling back: ${step}; do not interrupt.`);
    await ctx.putBack();
  } catch (error) {
    return { volume: 'unknown', failure: { step, message: message(error) } };
  }
  step = 'starting the services that were running and waiting for them';
  try {
    const health = await bringUp(docker, { ...ctx.health, start: ctx.wereRunning });
    return { volume: 'restored', health };
  } catch (error) {
    return { volume: 'restored', failure: { step, message: message(error) } };
  }
}

/**
 * rollbackError builds the error a failed restore ends with: what failed and during which phase,
 * then what the rollback did. InterruptedError (exit 130) when the run was interrupted, otherwise
 * OpsError (exit 1). When the volume could not be put back, the hint is the one command that does
 * it by hand and the message says the services were left stopped.
 */
export function rollbackError(primary: unknown, phase: string | undefined, outcome: RollbackOutcome, ctx: RollbackContext, interrupted: boolean): OpsError {
  const lines = [`Restore ${interrupted ? 'interrupted' : 'failed'}${phase ? ` while ${phase}` : ''}: ${message(primary)}`];
  let hint: string | undefined;
  if (outcome.volume === 'restored') {
    const names = ctx.wereRunning.map((c) => c.name);
    lines.push(`Rolled back: volume ${ctx.volume} holds ${ctx.wayBack ?? `the safety copy ${ctx.safetyPath}`} again${names.length ? `; restarted ${names.join(', ')}` : '; no service was running before, none was started'}.`);
    if (outcome.failure) lines.push(`But ${outcome.failure.step} failed: ${outcome.failure.message}`);
    hint = `${ctx.wayBack ? '' : `The safety copy stays at ${ctx.safetyPath}. `}Check the archive with \`autocodex-ops backup verify\` and the server with \`autocodex-ops healthcheck\`.`;
  } else {
    lines.push(`Rolling back FAILED while ${outcome.failure?.step}: ${outcome.failure?.message}`);
    lines.push(`Volume ${ctx.volume} is in an unknown state, so FalkorDB and Graphiti MCP were left stopped. ${ctx.wayBack ? `The way back is ${ctx.wayBack}.` : `The safety copy is ${ctx.safetyPath} (verified, with .sha256 and .manifest.json).`}`);
    hint = `Run \`autocodex-ops restore falkordb --undo\` (the restore journal remembers the way back), or put it back by hand: ${ctx.manual ?? manualRestoreCommand({ volume: ctx.volume, archive: ctx.safetyPath, image: ctx.helperImage, start: ctx.wereRunning.map((c) => c.name) })}`;
  }
  const text = lines.join('\n');
  return interrupted ? new InterruptedError(text, { hint, cause: primary }) : new OpsError(text, { hint, cause: primary });
}
