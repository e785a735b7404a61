import type { DockerApi } from '../docker/index.js';
import { PrerequisiteError, UsageError } from '../errors.js';
import type { EnvStore } from './env-store.js';
import { rewriteEnv, type EnvChange } from '../config/env-file.js';
import { entryPair, previousEntry, type HistoryEntry, type ImageHistoryStore, type PairRecord } from '../stack/image-history.js';
import { describePair, imageRef, samePair, STACK_KEYS, STACK_SERVICES, tagDirection, tagProblem, type Direction, type ImagePair, type StackKey, imageTag } from '../stack/image-tags.js';
import { findStackContainers, type StackContainers, type StackLocator } from '../stack/containers.js';
import { runningPair } from '../stack/observe-pair.js';

/** What `rollback images` is asked to do. */
export interface ImagesRollbackOptions {
  falkordbTag?: string;
  graphitiTag?: string;
  noPull: boolean;
  noBackup: boolean;
}

/** The configured tags (env, then root .env) and which of them come from the process environment. */
export interface ConfiguredTags {
  falkordb?: string;
  graphiti?: string;
  fromEnv: StackKey[];
}

/** What planning reads: the engine, the history and the root .env. Nothing is written. */
export interface ImagesPlanDeps {
  docker: Pick<DockerApi, 'listContainers' | 'inspectImage'>;
  history: ImageHistoryStore;
  env: Pick<EnvStore, 'path' | 'read'>;
  locator: StackLocator;
  configured: ConfiguredTags;
  signal?: AbortSignal;
}

/** The plan of an image rollback. `envBytes` is the new .env; `observed` the running pair to record first. */
export interface ImagesPlan {
  kind: 'images';
  from: ImagePair;
  to: ImagePair;
  /** True when the target came from the history (no tags given). */
  fromHistory: boolean;
  running?: PairRecord;
  observed?: PairRecord;
  stack: StackContainers;
  envFile: string;
  envChanges: EnvChange[];
  envAppended: string[];
  envBytes: Buffer;
  /** Services whose target image is not on this machine and will be pulled. */
  pull: StackKey[];
  /** With --no-pull: target images that are not on this machine (the rollback cannot go ahead). */
  missing: StackKey[];
  backup: boolean;
  directions: Record<StackKey, Direction>;
  steps: string[];
  warnings: string[];
}

function currentPair(configured: ConfiguredTags, stack: StackContainers, locator: StackLocator): ImagePair {
  const pick = (key: StackKey): string => {
    const c = stack[key];
    const tag = configured[key] ?? (c ? imageTag(c.image) : undefined);
    if (tag) return tag;
    const name = key === 'falkordb' ? locator.falkordb.containerName : locator.graphitiMcp.containerName;
    throw new UsageError(`${STACK_SERVICES[key].variable} is not set (environment or root .env) and no ${name} container shows it, so there would be nothing to return to if the new pair failed.`, {
      hint: 'Set both FALKORDB_IMAGE_TAG and GRAPHITI_MCP_IMAGE_TAG in the root .env to the pair that runs now, then roll back.',
    });
  };
  return { falkordb: pick('falkordb'), graphiti: pick('graphiti') };
}

function downgradeWarning(from: string, to: string, direction: Direction, backup: boolean): string | undefined {
  const after = `${backup ? 'A FalkorDB backup is taken first' : 'No backup is taken (--no-backup)'}; if FalkorDB ${to} cannot load the data it will not become healthy, and ${from} is brought back.`;
  if (direction === 'down') return `Going down from FalkorDB ${from} to ${to}: an older FalkorDB may not read data (RDB/AOF) written by a newer one. ${after}`;
  if (direction === 'unknown') return `Cannot tell from the tags whether FalkorDB ${to} is older than ${from}; an older FalkorDB may not read data written by a newer one. ${after}`;
  return undefined;
}

/**
 * planImagesRollback works out the pair to go to (the flags, else the newest recorded pair that
 * differs from the current one), the .env rewrite and what to pull, without changing anything.
 * UsageError (exit 2): an invalid or `latest` tag, no earlier pair recorded, already on the pair,
 * current pair unknown. PrerequisiteError (exit 10): the engine is unreachable. Images missing with
 * --no-pull are listed in `missing` (and marked in the steps): see missingImagesError.
 */
export async function planImagesRollback(options: ImagesRollbackOptions, deps: ImagesPlanDeps): Promise<ImagesPlan> {
  const stack = await findStackContainers(deps.docker, deps.locator, deps.signal);
  const running = runningPair(stack);
  const from = currentPair(deps.configured, stack, deps.locator);
  const { entries, problem } = await deps.history.read();
  const newest = entries.at(-1);
  const observed = running && !(newest && samePair(entryPair(newest), running)) ? running : undefined;
  const known: HistoryEntry[] = observed ? [...entries, { falkordbTag: observed.falkordb, graphitiTag: observed.graphiti, recordedAt: '', source: 'observed' }] : entries;

  const fromHistory = options.falkordbTag === undefined && options.graphitiTag === undefined;
  let to: ImagePair;
  if (fromHistory) {
    const previous = previousEntry(known, from);
    if (!previous) {
      throw new UsageError(`No earlier image pair is recorded in ${deps.history.path}${problem ? ` (the file ${problem})` : ''}; the current pair is ${describePair(from)}.`, {
        hint: 'Name the tags to go to: --falkordb-tag <tag> --graphiti-tag <tag>; `rollback images --list` shows the history.',
      });
    }
    to = entryPair(previous);
  } else {
    to = { falkordb: options.falkordbTag ?? from.falkordb, graphiti: options.graphitiTag ?? from.graphiti };
  }
  for (const key of STACK_KEYS) {
    const bad = tagProblem(to[key]);
    if (bad) throw new UsageError(`${fromHistory ? `The recorded ${key} tag` : `--${key}-tag`}: ${bad}.`);
  }
  if (samePair(from, to)) {
    const drift = running && !samePair(running, from) ? ` The containers run ${describePair(running)}: bring them to the configured pair with \`docker compose up -d\`.` : '';
    throw new UsageError(`Nothing to roll back: the configured pair already is ${describePair(from)}.${drift}`);
  }

  const pull: StackKey[] = [];
  const missing: StackKey[] = [];
  for (const key of STACK_KEYS) {
    if (await deps.docker.inspectImage(imageRef(key, to[key]), { signal: deps.signal })) continue;
    (options.noPull ? missing : pull).push(key);
  }

  const directions = { falkordb: tagDirection(from.falkordb, to.falkordb), graphiti: tagDirection(from.graphiti, to.graphiti) };
  const backup = !options.noBackup;
  const warnings: string[] = [];
  const down = from.falkordb === to.falkordb ? undefined : downgradeWarning(from.falkordb, to.falkordb, directions.falkordb, backup);
  if (down) warnings.push(down);
  if (problem) warnings.push(`The image history ${deps.history.path} ${problem}; it will be moved aside and started again.`);
  if (running && !samePair(running, from)) warnings.push(`The containers run ${describePair(running)}, not the configured ${describePair(from)}; if the new pair fails, the configured pair is what comes back.`);
  for (const key of deps.configured.fromEnv) {
    const variable = STACK_SERVICES[key].variable;
    warnings.push(`${variable} is set in the environment (${deps.configured[key]}); it beats the root .env for compose run from this shell. This run hands the new tag to compose itself; update or unset ${variable} afterwards.`);
  }

  const rewrite = rewriteEnv((await deps.env.read()) ?? Buffer.alloc(0), { FALKORDB_IMAGE_TAG: to.falkordb, GRAPHITI_MCP_IMAGE_TAG: to.graphiti });
  const steps: string[] = [];
  // A dry run still shows the whole plan, with the problem marked where the run would stop.
  for (const key of missing) steps.push(`MISSING: ${imageRef(key, to[key])} is not on this machine and --no-pull was given; the rollback stops here (exit 10).`);
  if (pull.length) steps.push(`Pull ${pull.map((k) => imageRef(k, to[k])).join(' and ')} (not on this machine).`);
  if (backup) steps.push('Back up FalkorDB (as `backup falkordb` does, without retention).');
  steps.push(`Set ${[...new Set([...rewrite.changes.map((c) => c.key), ...rewrite.appended])].join(' and ')} in ${deps.env.path} (${describePair(from)} -> ${describePair(to)}); no other byte changes.`);
  steps.push(`Recreate the services on the new pair with compose (up -d), then wait until both are healthy.`);
  steps.push(`If they do not become healthy: put the previous tags back in ${deps.env.path}, bring ${describePair(from)} up again, wait for it, and exit 1.`);
  return {
    kind: 'images', from, to, fromHistory, ...(running ? { running } : {}), ...(observed ? { observed } : {}), stack,
    envFile: deps.env.path, envChanges: rewrite.changes, envAppended: rewrite.appended, envBytes: rewrite.bytes,
    pull, missing, backup, directions, steps, warnings,
  };
}

/** missingImagesError is the exit-10 error of a plan whose target images are missing with --no-pull, or undefined. */
export function missingImagesError(plan: Pick<ImagesPlan, 'missing' | 'to'>): PrerequisiteError | undefined {
  if (plan.missing.length === 0) return undefined;
  const refs = plan.missing.map((k) => imageRef(k, plan.to[k])).join(' and ');
  return new PrerequisiteError(`The image${plan.missing.length > 1 ? 's' : ''} ${refs} ${plan.missing.length > 1 ? 'are' : 'is'} not on this machine and --no-pull was given; nothing was changed.`, {
    hint: 'Load or pull the image first (docker load / docker pull), or run without --no-pull.',
  });
}
