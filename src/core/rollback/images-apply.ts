import { ContainerNotReadyError, waitHealthy, type DockerApi } from '../docker/index.js';
import type { Clock } from '../run/clock.js';
import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import type { ComposeRunner } from './compose-runner.js';
import type { EnvStore } from './env-store.js';
import { recordPair, type ImageHistoryStore, type PairRecord } from '../stack/image-history.js';
import { describePair, imageRef, STACK_KEYS, STACK_SERVICES, type ImagePair, type StackKey, imageTag } from '../stack/image-tags.js';
import type { ImagesPlan } from './images-plan.js';
import { findStackContainers, type StackLocator } from '../stack/containers.js';
import { checkServerData, type ConnectFalkor, type RestoreFalkor } from '../stack/falkordb-verify.js';
import type { FalkorConnectOptions } from '../falkordb/falkordb.js';
import { systemClock } from '../run/clock.js';

/** What applyImagesRollback needs; the backup and the lock are seams the command wires. */
export interface ImagesApplyDeps {
  docker: Pick<DockerApi, 'listContainers' | 'inspectContainer' | 'containerLogs'>;
  compose: ComposeRunner;
  env: EnvStore;
  history: ImageHistoryStore;
  locator: StackLocator;
  /** Takes a FalkorDB backup (runFalkorBackup) and returns the archive; rejects to stop the rollback before any change. */
  backupFalkordb(): Promise<{ archive: string }>;
  /** Takes the `falkordb` lock for the swap (after the backup, which takes it itself). */
  lockFalkordb(): Promise<{ release(): Promise<void> }>;
  healthTimeoutMs: number;
  /** How to ask FalkorDB for its key count before and after the swap (issue 23 §8); absent: health only. */
  falkor?: { connect: ConnectFalkor; server: Omit<FalkorConnectOptions, 'signal'> };
  clock?: Clock;
  signal?: AbortSignal;
  now(): Date;
  log: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

/** A service as it ended up: container, image and how it became ready. */
export interface ServiceHealth {
  container: string;
  image: string;
  imageId: string;
  status: 'healthy' | 'running-no-healthcheck';
}

/** What a successful image rollback did. */
export interface ImagesApplied {
  backup?: string;
  pulled: string[];
  health: Record<StackKey, ServiceHealth>;
}

const SERVICES = STACK_KEYS.map((k) => STACK_SERVICES[k].service);
const envFor = (pair: ImagePair) => ({ FALKORDB_IMAGE_TAG: pair.falkordb, GRAPHITI_MCP_IMAGE_TAG: pair.graphiti });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');

/**
 * bringUp runs `compose up -d` for both services on `pair`, checks that each container runs the
 * pair's image and waits until each is healthy (or running without a healthcheck). Rejects with
 * the compose error, a wrong-image OpsError, ContainerNotReadyError or InterruptedError.
 */
async function bringUp(pair: ImagePair, deps: ImagesApplyDeps, signal: AbortSignal | undefined): Promise<Record<StackKey, ServiceHealth>> {
  await deps.compose.up(SERVICES, envFor(pair), { signal, timeoutMs: deps.healthTimeoutMs + 120_000 });
  const stack = await findStackContainers(deps.docker, deps.locator, signal);
  const health = {} as Record<StackKey, ServiceHealth>;
  for (const key of STACK_KEYS) {
    const c = stack[key];
    if (!c) throw new OpsError(`compose up left no ${STACK_SERVICES[key].service} container.`);
    if (imageTag(c.image) !== pair[key]) throw new OpsError(`${c.name} runs ${c.image}, not ${imageRef(key, pair[key])}: compose did not recreate it.`);
    const ready = await waitHealthy(deps.docker, c.id, { timeoutMs: deps.healthTimeoutMs, signal, clock: deps.clock });
    health[key] = { container: c.name, image: c.image, imageId: ready.container.imageId, status: ready.status };
    deps.log.info(`${c.name} (${c.image}) is ${ready.status === 'healthy' ? 'healthy' : 'running (no healthcheck)'} after ${(ready.waitedMs / 1000).toFixed(1)} s.`);
  }
  return health;
}

/** keysBefore reads DBSIZE from the running server; undefined when it cannot be asked (the check is then health only). */
async function keysBefore(deps: ImagesApplyDeps): Promise<number | undefined> {
  if (!deps.falkor) return undefined;
  let client: RestoreFalkor | undefined;
  try {
    client = await deps.falkor.connect({ connectTimeoutMs: 2000, commandTimeoutMs: 5000, ...deps.falkor.server, signal: deps.signal });
    return await client.dbsize();
  } catch {
    return undefined;
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/**
 * checkKeysAfter is the data rule of a restore applied to an image change (issue 23 §8): the volume
 * did not change, so a server that comes up healthy with 0 keys, or fewer than half the keys it held
 * before, did not load its data (an RDB from another module build, say). Rejects with OpsError then.
 */
async function checkKeysAfter(before: number | undefined, deps: ImagesApplyDeps, signal: AbortSignal | undefined): Promise<void> {
  if (!deps.falkor || before === undefined || before === 0) return;
  const clock = deps.clock ?? systemClock;
  const source = `FalkorDB held ${before} keys before the image change (the data volume was not touched)`;
  await checkServerData(
    { connect: deps.falkor.connect, server: deps.falkor.server, deadline: clock.now() + deps.healthTimeoutMs, clock, signal },
    { load: { keys: Math.ceil(before / 2), atLeastOne: true, source } },
  );
}

/**
 * logFailure logs the last lines of every stack container that is not running healthy, so the
 * operator sees why (compose's own error names only a short container id); best effort. It
 * returns a summary such as `auto-codex-falkordb (falkordb/falkordb:v4.1.0) unhealthy`.
 */
async function logFailure(err: unknown, deps: ImagesApplyDeps): Promise<string> {
  if (err instanceof ContainerNotReadyError && err.logs.trim()) deps.log.warn(`Last log lines of ${err.container}:\n${err.logs.trimEnd()}`);
  try {
    const stack = await findStackContainers(deps.docker, deps.locator);
    const bad = STACK_KEYS.map((k) => stack[k]).filter((c) => c && !(c.running && (c.health === 'healthy' || c.health === 'none')));
    for (const c of bad) {
      if (err instanceof ContainerNotReadyError && err.container === c!.name) continue;
      const logs = (await deps.docker.containerLogs(c!.id, { tail: 20 }).catch(() => '')).trimEnd();
      if (logs) deps.log.warn(`Last log lines of ${c!.name}:\n${logs}`);
    }
    return bad.map((c) => `${c!.name} (${c!.image}) ${c!.running ? c!.health : c!.state}`).join(', ');
  } catch {
    return '';
  }
}

/**
 * applyImagesRollback carries out a plan: records the running pair, pulls what is missing, backs
 * up FalkorDB (unless the plan says not to), then under the `falkordb` lock rewrites the two tags in
 * the root .env, brings the new pair up and waits for health, and records it. If the new pair does
 * not become healthy (or the run is interrupted), it puts the .env bytes back, brings the previous
 * pair up, waits for it, and rejects with OpsError (exit 1; InterruptedError, exit 130, on Ctrl-C)
 * reporting both outcomes. Failures before the .env rewrite change nothing.
 */
export async function applyImagesRollback(plan: ImagesPlan, deps: ImagesApplyDeps): Promise<ImagesApplied> {
  const { log, signal } = deps;
  if (plan.observed) await recordPair(deps.history, plan.observed, 'observed', deps.now());
  const pulled = plan.pull.map((k) => imageRef(k, plan.to[k]));
  if (plan.pull.length) {
    log.info(`Pulling ${pulled.join(' and ')}.`);
    await deps.compose.pull(plan.pull.map((k) => STACK_SERVICES[k].service), envFor(plan.to), signal);
  }
  throwIfAborted(signal);
  const backup = plan.backup ? (await deps.backupFalkordb()).archive : undefined;
  if (backup) log.info(`FalkorDB backup taken before the rollback: ${backup}.`);
  throwIfAborted(signal);

  const lock = await deps.lockFalkordb();
  try {
    const before = await keysBefore(deps);
    const restoreEnv = await deps.env.replace(plan.envBytes);
    log.info(`Set ${describePair(plan.to)} in ${plan.envFile}; bringing the services up.`);
    try {
      const health = await bringUp(plan.to, deps, signal);
      await checkKeysAfter(before, deps, signal);
      const record: PairRecord = { ...plan.to, falkordbImageId: health.falkordb.imageId, graphitiImageId: health.graphiti.imageId };
      await recordPair(deps.history, record, 'rollback', deps.now()).catch((err: unknown) => log.warn(`Could not record the new pair in ${deps.history.path}: ${message(err)}.`));
      return { ...(backup ? { backup } : {}), pulled, health };
    } catch (err) {
      const state = await logFailure(err, deps);
      const cause = state && !(err instanceof InterruptedError) && !(err instanceof ContainerNotReadyError) ? new OpsError(`${message(err)} (${state})`, { cause: err }) : err;
      log.error(`${describePair(plan.to)} did not come up healthy: ${message(cause)}. Returning to ${describePair(plan.from)}.`);
      throw await returnToPrevious(plan, deps, cause, restoreEnv, backup);
    }
  } finally {
    await lock.release();
  }
}

/** Puts the previous pair back (cleanup: ignores the run's signal) and builds the error that reports both outcomes. */
async function returnToPrevious(plan: ImagesPlan, deps: ImagesApplyDeps, cause: unknown, restoreEnv: () => Promise<void>, backup: string | undefined): Promise<OpsError> {
  const Kind = cause instanceof InterruptedError ? InterruptedError : OpsError;
  const head = `Rolling to ${describePair(plan.to)} failed: ${message(cause)}.`;
  const saved = backup ? ` The FalkorDB backup taken first is ${backup}.` : '';
  try {
    await restoreEnv();
  } catch (envErr) {
    return new Kind(`${head} Putting the previous tags back in ${plan.envFile} also failed: ${message(envErr)}; it still names ${describePair(plan.to)}.${saved}`, {
      cause: new AggregateError([cause, envErr]),
      hint: `Set FALKORDB_IMAGE_TAG=${plan.from.falkordb} and GRAPHITI_MCP_IMAGE_TAG=${plan.from.graphiti} in ${plan.envFile} by hand, then run docker compose up -d.`,
    });
  }
  try {
    await bringUp(plan.from, deps, undefined);
  } catch (backErr) {
    const state = await logFailure(backErr, deps);
    if (state && !(backErr instanceof ContainerNotReadyError)) backErr = new OpsError(`${message(backErr)} (${state})`, { cause: backErr });
    return new Kind(`${head} ${plan.envFile} names ${describePair(plan.from)} again, but bringing it back failed too: ${message(backErr)}.${saved}`, {
      cause: new AggregateError([cause, backErr]),
      hint: `Inspect the services (docker compose -p ${deps.locator.composeProject} ps; docker logs <container>); if the data is damaged, restore a backup with \`autocodex-ops restore falkordb\`.`,
    });
  }
  return new Kind(`${head} Returned to ${describePair(plan.from)}: ${plan.envFile} names it again and both services are healthy.${saved}`, {
    cause,
    hint: `The new pair's containers logged the reason (see above); fix it or pick other tags. \`autocodex-ops rollback images --list\` shows the recorded pairs.`,
  });
}
