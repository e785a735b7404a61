import { imageTag } from './image-tags.js';
import type { OpsConfig } from '../config/load.js';
import type { DockerApi } from '../docker/index.js';
import { findStackContainers, type StackContainers, type StackLocator } from './containers.js';
import { fileImageHistory, imageHistoryPath, recordPair, type HistorySource, type ImageHistoryStore, type PairRecord } from './image-history.js';

/** runningPair is the tag pair both containers run, with their image ids; undefined unless both run with tagged images. */
export function runningPair(stack: StackContainers): PairRecord | undefined {
  const { falkordb, graphiti } = stack;
  if (!falkordb?.running || !graphiti?.running) return undefined;
  const [ft, gt] = [imageTag(falkordb.image), imageTag(graphiti.image)];
  if (!ft || !gt) return undefined;
  return { falkordb: ft, graphiti: gt, falkordbImageId: falkordb.imageId, graphitiImageId: graphiti.imageId };
}

/**
 * observeRunningPair records the pair the stack runs in the root's image history when it is not
 * the newest entry there (issue 6: healthcheck and backup call this whenever they see the
 * services). Resolves with the pair seen, or undefined when the stack is not running on two
 * tagged images; engine and write errors reject, so callers that only observe should catch.
 */
export async function observeRunningPair(
  docker: Pick<DockerApi, 'listContainers'>,
  config: StackLocator & Pick<OpsConfig, 'root'>,
  options: { source: HistorySource; now?: Date; signal?: AbortSignal; store?: ImageHistoryStore },
): Promise<{ pair: PairRecord; recorded: boolean } | undefined> {
  const pair = runningPair(await findStackContainers(docker, config, options.signal));
  if (!pair) return undefined;
  const store = options.store ?? fileImageHistory(imageHistoryPath(config.root));
  return { pair, recorded: await recordPair(store, pair, options.source, options.now ?? new Date()) };
}

/**
 * observePairQuietly is observeRunningPair for commands that only look (healthcheck, backup): it
 * never throws, and logs at debug level when the pair could not be read or recorded.
 */
export async function observePairQuietly(
  docker: () => Promise<Pick<DockerApi, 'listContainers'>>,
  config: StackLocator & Pick<OpsConfig, 'root'>,
  source: HistorySource,
  log: { debug(msg: string): void },
  signal?: AbortSignal,
): Promise<void> {
  try {
    const seen = await observeRunningPair(await docker(), config, { source, signal });
    if (seen?.recorded) log.debug(`Recorded the running image pair falkordb ${seen.pair.falkordb}, graphiti-mcp ${seen.pair.graphiti}.`);
  } catch (err) {
    log.debug(`Could not record the running image pair: ${(err as Error).message}`);
  }
}
