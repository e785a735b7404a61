import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import type { DockerApi } from './docker.js';
import { once } from '../run/once.js';

// offen/docker-volume-backup restarts every container it "stopped", including ones that were off
// before (anchors-and-gotchas.md §B.5, the original stop mode too: original-scripts.md). We stop
// only running containers and the undo starts exactly those.

/** Options of stopContainers: Docker's grace period before SIGKILL, and the run's AbortSignal. */
export interface StopOptions {
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** What stopContainers did, and how to put it back. */
export interface StopResult {
  /** Ids this call stopped, in start (dependency) order. */
  stopped: string[];
  /** Ids that were not running (or no longer exist) and were left alone. */
  skipped: string[];
  /**
   * Starts the stopped containers again in dependency order. Runs once (later calls do nothing),
   * ignores the AbortSignal because it is cleanup, tries every container and rejects with an
   * OpsError naming each one it could not start.
   */
  undo: () => Promise<void>;
}

type StopDocker = Pick<DockerApi, 'inspectContainer' | 'stopContainer' | 'startContainer'>;

/**
 * stopContainers stops the running containers among `idsInStartOrder`, dependents first (the list is
 * in start order: FalkorDB before Graphiti MCP, so Graphiti MCP stops first), and returns an undo.
 * If a stop fails or the signal aborts midway, it restarts what it had stopped before rejecting
 * (InterruptedError on abort), so a caller that never received the undo has nothing to clean up.
 */
export async function stopContainers(
  docker: StopDocker,
  idsInStartOrder: readonly string[],
  options: StopOptions = {},
): Promise<StopResult> {
  const stopped: string[] = [];
  const skipped: string[] = [];
  const undo = onceUndo(docker, stopped);
  try {
    for (const id of [...idsInStartOrder].reverse()) {
      throwIfAborted(options.signal);
      const info = await docker.inspectContainer(id);
      if (!info?.running) {
        skipped.unshift(id);
        continue;
      }
      // No signal on the stop call itself: an interrupted request may still stop the container
      // and we would not know to restart it. The grace period bounds the wait.
      await docker.stopContainer(id, { timeoutSeconds: options.timeoutSeconds });
      stopped.unshift(id);
    }
    throwIfAborted(options.signal);
  } catch (error) {
    try {
      await undo();
    } catch (undoError) {
      const primary = error instanceof Error ? error.message : String(error);
      const Kind = error instanceof InterruptedError ? InterruptedError : OpsError;
      throw new Kind(`${primary}; restarting the containers stopped so far also failed: ${(undoError as Error).message}`, {
        cause: new AggregateError([error, undoError]),
        hint: (undoError as OpsError).hint,
      });
    }
    throw error;
  }
  return { stopped: [...stopped], skipped, undo };
}

/**
 * startContainers starts the given containers in order (already running is fine); it tries all of
 * them and rejects with one OpsError listing every failure.
 */
export async function startContainers(docker: Pick<DockerApi, 'startContainer'>, idsInStartOrder: readonly string[]): Promise<void> {
  const failures: Array<{ id: string; error: unknown }> = [];
  for (const id of idsInStartOrder) {
    try {
      await docker.startContainer(id);
    } catch (error) {
      failures.push({ id, error });
    }
  }
  if (failures.length === 0) return;
  const list = failures.map((f) => `${f.id}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ');
  throw new OpsError(`Could not start ${failures.length} of ${idsInStartOrder.length} container(s): ${list}`, {
    hint: `Start them by hand: docker start ${failures.map((f) => f.id).join(' ')}`,
    cause: new AggregateError(failures.map((f) => f.error)),
  });
}

function onceUndo(docker: Pick<DockerApi, 'startContainer'>, stopped: readonly string[]): () => Promise<void> {
  return once(() => startContainers(docker, [...stopped]));
}
