import { stat } from 'node:fs/promises';
import type { LocateOptions } from '../stack/falkor-data.js';
import { describeStorage } from '../stack/falkor-data.js';
import { startContainers } from '../docker/stop-start.js';
import { systemClock, type Clock } from '../run/clock.js';
import { DeclinedError, OpsError, throwIfAborted } from '../errors.js';
import type { FalkorConnectOptions } from '../falkordb/falkordb.js';
import { withCleanup } from '../run/cleanup.js';
import { acquireLock } from '../run/lock.js';
import { checkRestoreArchive } from '../backup-store/check-archive.js';
import { archivePath } from '../backup-store/naming.js';
import { expectedData, falkorPlan } from './falkordb-plan.js';
import { rollBackToSafetyCopy, rollbackError, type RollbackContext } from './falkordb-rollback.js';
import { AsideLeftoverError, asideFor, assertOutsideAside, manualMoveBackCommand, moveAside, moveBack, prepareMoveAside, undoMoveAside } from './falkordb-aside.js';
import { keepWayBack } from './falkordb-keep.js';
import { checkStarted, inStartOrder, stopServices, type BringUpOptions, type StoppedServices } from './falkordb-services.js';
import { askServer, buildWarnings, locateRestoreTarget, type ConnectFalkor, type FalkorTarget, type RestoreDocker } from './falkordb-target.js';
import { replaceVolumeContent, takeSafetyCopy } from '../stack/falkordb-volume.js';
import { Phases } from './phases.js';
import { dryRunResult, type RestoreDeps, type RestoreResult } from './restore-result.js';

/** How `restore falkordb` runs (CONTRACT "Commands"; names from the configuration). */
export interface FalkorRestoreOptions extends Omit<LocateOptions, 'signal'> {
  archive: string;
  dryRun: boolean;
  /** Accept an archive without dump.rdb / appendonlydir (or of another kind). */
  force: boolean;
  /** Start FalkorDB and Graphiti MCP afterwards even if they were not running. */
  start: boolean;
  preRestoreDir: string;
  healthTimeoutSecs: number;
  skipHealthWait: boolean;
  stopGraceSeconds: number;
  server: Omit<FalkorConnectOptions, 'signal' | 'log'>;
}

/** The engine, the server and a clock, on top of what every restore needs. */
export interface FalkorRestoreDeps extends RestoreDeps {
  docker: () => Promise<RestoreDocker>;
  connect: ConnectFalkor;
  clock?: Clock;
}

function healthOptions(options: FalkorRestoreOptions, deps: FalkorRestoreDeps, target: FalkorTarget, stopped: StoppedServices, clock: Clock, warnings: string[], warned: boolean): Omit<BringUpOptions, 'start' | 'signal'> {
  const { falkordb, graphiti } = target.data;
  const before = stopped.before;
  // Data checks need the server reachable from here; if it was not before the restore (port not
  // published, wrong password), failing the restore for it would only undo a good restore.
  const checkData = before ? before.reachable : options.start;
  if (before && !before.reachable && !warned) warnings.push(`The restored data was checked through the containers' health only: FalkorDB was not reachable before the restore either (${before.problem}).`);
  const notHealthyBefore = graphiti && (graphiti.health === 'unhealthy' || graphiti.state === 'restarting');
  return {
    skipHealthWait: options.skipHealthWait,
    timeoutMs: options.healthTimeoutSecs * 1000,
    clock,
    tolerate: new Set(notHealthyBefore ? [graphiti.id] : []),
    ...(falkordb ? { falkordbId: falkordb.id } : {}),
    ...(checkData ? { server: { connect: deps.connect, options: options.server, expected: {} } } : {}),
  };
}

/**
 * runFalkorRestore restores FalkorDB's data volume from an archive. Every check runs first (exit 2,
 * nothing touched: see checkRestoreArchive; exit 10 when Docker, the volume or a local helper image
 * is missing); then the plan is confirmed (false: DeclinedError, exit 1, nothing changed) or returned for
 * --dry-run. Under the `falkordb` lock (exit 11) it stops what runs, moves the current data aside
 * into a hidden folder of the volume (falkordb-aside.ts), extracts the archive beside it, starts
 * what ran (everything with `start`), and while it waits for health and checks PING, key count and
 * graphs against the manifest, writes the folder as the verified safety copy; only then is the
 * folder deleted. Any failure or Ctrl-C before the checks pass moves the previous data back and
 * restarts what ran; the error (exit 1, or 130) says what failed and what was rolled back, and if
 * the rollback failed too, the command to do it by hand. A safety copy that cannot be written
 * after a good restore keeps the folder and fails with how to archive it by hand (keepWayBack).
 */
export async function runFalkorRestore(options: FalkorRestoreOptions, deps: FalkorRestoreDeps): Promise<RestoreResult> {
  const { log, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const phases = new Phases(log, () => clock.now());
  const located = { ...options, signal };
  // Finding the containers and volume only reads: it runs while the archive is read (a phase that
  // waits on zlib), and its answer, or its error, counts only once every check has passed.
  const lookup = (async () => {
    const docker = await deps.docker();
    return { docker, target: await locateRestoreTarget(docker, located) };
  })();
  lookup.catch(() => undefined);
  const checked = await phases.run('checking the archive', () => checkRestoreArchive(options.archive, { family: 'falkordb', force: options.force, signal, key: deps.archiveKey }));
  const { docker, target } = await phases.run('finding FalkorDB, Graphiti MCP and the data volume', () => lookup);
  const falkordb = target.data.falkordb;
  const server = falkordb?.running ? await askServer(deps.connect, options.server, signal) : undefined;
  const warnings = [...checked.warnings, ...target.warnings, ...buildWarnings(checked.manifest, falkordb, server?.module)];
  if (server && !server.reachable) warnings.push(`FalkorDB runs but could not be asked (${server.problem}): its module version was not compared, and the restored data will be checked through the containers' health only.`);
  for (const w of warnings) log.warn(w);
  const planned = deps.now();
  const plan = falkorPlan({ ...options, encryptSafetyCopy: deps.encryption !== undefined }, checked, target, warnings, planned);
  const aside = asideFor(target.volume, archivePath(options.preRestoreDir, 'falkordb-pre-restore', planned));
  assertOutsideAside(checked.listing.entries.map((e) => e.path), aside);
  if (options.dryRun) return dryRunResult(plan, phases.timings, clock.now() - started);
  if (!(await deps.confirm(plan))) throw new DeclinedError();

  const lock = await acquireLock({ dir: deps.lockDir, target: deps.locks?.falkordb ?? 'falkordb', command: 'restore falkordb', signal, log });
  return withCleanup(async (stack) => {
    stack.defer('release the falkordb lock', () => lock.release());
    // Look again under the lock: a backup in stop mode may have changed what runs since the plan.
    const live = await locateRestoreTarget(docker, located);
    if (live.volume !== target.volume) throw new OpsError(`The data volume changed since the plan (${target.volume} → ${live.volume}); nothing was changed. Run the restore again.`);
    const services = { falkordb: live.data.falkordb, graphiti: live.data.graphiti };
    const vt = { volume: live.volume, helperImages: [live.helperImage] };
    // Created while the services stop: the helper that moves the data aside, then takes the archive.
    const preparing = prepareMoveAside(docker, vt, aside);
    preparing.catch(() => undefined);
    stack.defer('remove the restore helper', async () => (await preparing.catch(() => undefined))?.remove());
    const stopped = await phases.run('stopping the services', () =>
      stopServices(docker, services, { connect: deps.connect, server: options.server, graceSeconds: options.stopGraceSeconds, signal, log }),
    );
    let volume: 'original' | 'unknown' | 'replaced' = 'original';
    stack.defer('restart the services that were running', async () => {
      if (volume === 'original') await stopped.undo();
      else if (volume === 'unknown' && stopped.stopped.length > 0) log.error(`Left ${stopped.stopped.map((c) => c.name).join(', ')} stopped: the volume's content is not known to be good.`);
    });
    const before = stopped.before;
    const c = live.data.falkordb;
    const health = healthOptions(options, deps, live, stopped, clock, warnings, server?.reachable === false);
    const toStart = inStartOrder(services, (s) => options.start || stopped.stopped.some((x) => x.id === s.id));
    // Issue 16: the current data is moved aside inside the volume (instant), so the services are
    // down only for the extraction; its portable archive is written once they run (falkordb-aside.ts).
    const rollback: RollbackContext = {
      docker,
      services,
      volume: live.volume,
      wayBack: `its previous data (moved aside into ${aside.folder})`,
      putBack: () => moveBack(docker, vt, aside),
      manual: manualMoveBackCommand(aside, live.helperImage, stopped.stopped.map((x) => x.name)),
      wereRunning: stopped.stopped,
      health,
      log,
    };
    await phases.run('moving the current data aside inside the volume', () =>
      preparing.then((helper) => moveAside(docker, vt, aside, helper)).catch(async (error: unknown) => {
        if (error instanceof AsideLeftoverError) throw error;
        // A rename that failed part way: put back what moved, or say the volume is not known good.
        await undoMoveAside(docker, vt, aside).catch((undoError: unknown) => {
          volume = 'unknown';
          log.error(`Could not put back what was moved aside: ${(undoError as Error).message}. Move the content of ${aside.folder} back to the top of volume ${live.volume} by hand.`);
        });
        throw error;
      }),
    );
    let writing: Promise<Awaited<ReturnType<typeof takeSafetyCopy>>> | undefined;
    const stopWriting = new AbortController();
    try {
      volume = 'unknown';
      throwIfAborted(signal);
      const total = (await stat(checked.path)).size;
      deps.progress?.start(total);
      await phases.run('extracting the archive', () =>
        preparing
          .then((helper) => replaceVolumeContent(docker, vt, checked, { signal, wipe: 'moved-aside', helper, onProgress: (n) => deps.progress?.update(n) }))
          .finally(() => deps.progress?.stop()),
      );
      // The helper goes while the services start (the defer above retries a failed removal).
      const removing = preparing.then((helper) => helper.remove());
      removing.catch(() => undefined);
      await phases.run('starting the services', () => startContainers(docker, toStart.map((x) => x.id)));
      await removing.catch(() => undefined);
      // The portable archive of the old data is written while the services start and are checked.
      writing = takeSafetyCopy(docker, vt, {
        dir: options.preRestoreDir,
        subfolder: aside.folder,
        facts: {
          createdAt: planned,
          host: deps.hostname,
          toolVersion: deps.toolVersion,
          mode: 'stop',
          source: { ...describeStorage(live.data.storage), engine: docker.endpoint, restoring: checked.path, container: c ? { id: c.id, name: c.name, image: c.image, imageId: c.imageId, imageDigests: live.data.imageDigests } : null },
          ...(before?.reachable ? { server: { keys: before.keys, ...(before.graphs ? { graphs: before.graphs } : {}), ...(before.module ? { modules: [{ name: 'graph', version: before.module }] } : {}) } } : {}),
          warnings: [`Pre-restore safety copy, taken before restoring ${checked.path}.`],
        },
        log,
        now: deps.now,
        signal: signal ? AbortSignal.any([signal, stopWriting.signal]) : stopWriting.signal,
        encryption: deps.encryption,
        key: deps.archiveKey,
      });
      writing.catch(() => undefined);
      // The restore checks the manifest's key count and graphs; the rollback (below) only a PING.
      const dataCheck = health.server && { ...health.server, expected: expectedData(checked.manifest) };
      const report = await phases.run('checking the services and the data', async () => {
        const checkedReport = await checkStarted(docker, { ...health, ...(dataCheck ? { server: dataCheck } : {}), start: toStart, signal });
        throwIfAborted(signal); // a Ctrl-C during the checks still means "take me back"
        return checkedReport;
      });
      volume = 'replaced';
      const safetyBackup = await keepWayBack(writing, { docker, vt, aside, image: live.helperImage, dir: options.preRestoreDir, phases, log, signal });
      return {
        kind: 'falkordb',
        archive: checked.path,
        safetyBackup,
        durationMs: Math.round(clock.now() - started),
        health: report,
        dryRun: false,
        sha256: checked.sha256,
        checksum: checked.sidecar === 'match' ? 'verified' : 'missing',
        target: live.volume,
        stopped: stopped.stopped.map((s) => s.name),
        started: toStart.map((s) => s.name),
        phases: phases.timings,
        warnings: [...warnings, ...report.warnings],
      };
    } catch (error) {
      if (volume === 'replaced') throw error;
      const phase = phases.current;
      const interrupted = Boolean(signal?.aborted);
      log.error(`Restore ${interrupted ? 'interrupted' : 'failed'} while ${phase ?? 'restoring'}: ${(error as Error).message}`);
      // The archive write reads the folder about to move back: stop it and let it clean up first.
      stopWriting.abort();
      await writing?.catch(() => undefined);
      const outcome = await phases.run('rolling back to the previous data', () => rollBackToSafetyCopy(rollback));
      volume = outcome.volume === 'restored' ? 'original' : 'unknown';
      throw rollbackError(error, phase, outcome, rollback, interrupted);
    }
  });
}
