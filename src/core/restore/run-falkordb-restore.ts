import { rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { LocateOptions } from '../stack/falkor-data.js';
import { describeStorage } from '../stack/falkor-data.js';
import { systemClock, type Clock } from '../run/clock.js';
import { DeclinedError, InterruptedError, OpsError, throwIfAborted, UsageError } from '../errors.js';
import { advanceJournal, clearJournal, describeInterrupted, finishCommands, journalPath, readJournal, writeJournal, type FoundJournal, type JournalPlace, type JournalStep, type RestoreJournal } from '../backup-store/restore-journal.js';
import { removeHelperLeftovers } from '../docker/helper-container.js';
import { planLoad, type LoadPlan } from '../falkordb/load-plan.js';
import { layOutForLoad, persistenceFor } from './falkordb-load.js';
import { holdArchive, recheckArchive, type HeldArchive } from './held-archive.js';
import type { FalkorConnectOptions } from '../falkordb/falkordb.js';
import { withCleanup } from '../run/cleanup.js';
import { acquireLock } from '../run/lock.js';
import { checkRestoreArchive } from '../backup-store/check-archive.js';
import { continuePlan, expectedData, falkorPlan } from './falkordb-plan.js';
import { manualRestoreCommand, rollBackToSafetyCopy, rollbackError, type RollbackContext } from './falkordb-rollback.js';
import { bringUp, inStartOrder, stopServices, type BringUpOptions, type ServicesHealth, type StoppedServices } from './falkordb-services.js';
import { askServer, buildWarnings, locateRestoreTarget, type ConnectFalkor, type FalkorTarget, type RestoreDocker } from './falkordb-target.js';
import { replaceVolumeContent } from '../stack/falkordb-volume.js';
import { Phases } from './phases.js';
import { asideFor, assertOutsideAside, manualMoveBackCommand, missingAside, moveBack, prepareMoveAside, undoMoveAside } from './falkordb-aside.js';
import { runAsideSequence, writeAsideArchive, type VolumeState } from './falkordb-aside-sequence.js';
import { asidePlan, continueAsidePlan, continueAsideWithoutArchive } from './falkordb-plan.js';
import { dryRunResult, type RestoreDeps, type RestoreResult } from './restore-result.js';
import { OFFSITE_DOWNLOAD } from '../backup-store/download-leftovers.js';

/** How `restore falkordb` runs (CONTRACT "Commands"; names from the configuration). */
export interface FalkorRestoreOptions extends Omit<LocateOptions, 'signal'> {
  archive: string;
  dryRun: boolean;
  /** Accept an archive without dump.rdb / appendonlydir (or of another kind). */
  force: boolean;
  /** Start FalkorDB and Graphiti MCP afterwards even if they were not running. */
  start: boolean;
  preRestoreDir: string;
  /** Where restore journals live (the state folder, and PRE_RESTORE_BACKUP_DIR for earlier versions' journals). */
  journals: JournalPlace;
  /** The s3:// URL the archive was downloaded from (recorded in the journal so --resume can fetch it again). */
  sourceUrl?: string;
  healthTimeoutSecs: number;
  skipHealthWait: boolean;
  stopGraceSeconds: number;
  server: Omit<FalkorConnectOptions, 'signal' | 'log'>;
  /** Finish (`resume`) or undo an interrupted restore from its journal; `archive` is then ignored. */
  journal?: 'resume' | 'undo';
}

/** The engine, the server and a clock, on top of what every restore needs. */
export interface FalkorRestoreDeps extends RestoreDeps {
  docker: () => Promise<RestoreDocker>;
  connect: ConnectFalkor;
  clock?: Clock;
  /**
   * Downloads an offsite archive again (`restore falkordb s3://… --resume`: the first download was
   * removed when the interrupted run ended); `dispose` removes the new download. Unset: no store.
   */
  fetchArchive?: (url: string) => Promise<{ path: string; sha256: string; dispose(): Promise<void> }>;
  /** Test hook (AUTOCODEX_OPS_TEST_PAUSE_AT): wait at this journal step until aborted, so a test can SIGKILL the run there. */
  pauseAt?: string;
}

/** The refusal of a plain restore while an interrupted one is unfinished (exit 1, nothing touched). */
function interruptedRestoreError(found: FoundJournal): OpsError {
  const would = 'journal' in found && found.journal.aside ? 'move that half-restored volume aside as if it were the current data' : 'take a safety copy of that half-restored volume';
  return new OpsError(`${describeInterrupted(found)}. A plain restore would ${would}, so it refuses; nothing was changed.`, { hint: `${finishCommands(found).replace(/^./, (c) => c.toUpperCase())}.` });
}

/** Moves the journal to `next`; with the test hook, waits there until aborted so a test can SIGKILL the run. */
async function pausing(dir: JournalPlace, record: RestoreJournal, next: JournalStep, deps: FalkorRestoreDeps): Promise<RestoreJournal> {
  const moved = await advanceJournal(dir, record, next, deps.now());
  if (deps.pauseAt === next) {
    deps.log.warn(`Paused at journal step ${next} (AUTOCODEX_OPS_TEST_PAUSE_AT).`);
    // A timer keeps the process alive while it waits (nothing else may be pending at this step).
    await new Promise<void>((resolve) => {
      const keepAlive = setInterval(() => undefined, 60_000);
      deps.signal?.addEventListener('abort', () => (clearInterval(keepAlive), resolve()), { once: true });
    });
  }
  return moved;
}

function healthOptions(options: FalkorRestoreOptions, deps: FalkorRestoreDeps, target: FalkorTarget, stopped: StoppedServices, clock: Clock, warnings: string[], warned: boolean): Omit<BringUpOptions, 'start' | 'signal'> {
  const { falkordb, graphiti } = target.data;
  const before = stopped.before;
  // Data checks need the server reachable from here; if it was not before the restore (port not
  // published, wrong password), failing the restore for it would only undo a good restore.
  // Finishing or undoing an interrupted restore starts FalkorDB from a stopped state: check it then too.
  const checkData = before ? before.reachable : options.start || options.journal !== undefined;
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
 * --dry-run. Under the `falkordb` lock (exit 11) it stops what runs, writes a verified safety copy,
 * wipes the volume, extracts the archive, starts what ran (everything with `start`), waits for
 * health and checks PING, key count and graphs against the manifest. Any failure or Ctrl-C after
 * the wipe puts the safety copy back and restarts what ran; the error (exit 1, or 130) says what
 * failed and what was rolled back, and if the rollback failed too, the command to do it by hand.
 */
export async function runFalkorRestore(options: FalkorRestoreOptions, deps: FalkorRestoreDeps): Promise<RestoreResult> {
  const { signal } = deps;
  const located = { ...options, signal };
  // Finding the containers and volume only reads: it runs while the archive is read (a phase that
  // waits on zlib), and its answer, or its error, counts only once every check has passed.
  const lookup = (async () => {
    const docker = await deps.docker();
    return { docker, target: await locateRestoreTarget(docker, located) };
  })();
  lookup.catch(() => undefined);
  let journal: RestoreJournal | undefined;
  let archive = options.archive;
  if (options.journal) {
    const { target } = await lookup;
    const found = await readJournal(options.journals, target.volume);
    if (!found) throw new UsageError(`There is no interrupted restore of volume ${target.volume} to ${options.journal} (no journal ${journalPath(options.journals, target.volume)}).`, { hint: 'Nothing was changed. `autocodex-ops healthcheck --only restore-interrupted` lists interrupted restores; journals are looked for in the state folder (AUTOCODEX_OPS_STATE_DIR, /var/lib/autocodex-ops, else ~/.local/state/autocodex-ops) and in PRE_RESTORE_BACKUP_DIR; run as the user (or root) that ran the restore.' });
    if ('problem' in found) throw new OpsError(`The restore journal ${found.path} cannot be read: ${found.problem}`, { hint: finishCommands(found) });
    journal = found.journal;
    // A move-aside restore is undone, or finished once verified, without any archive (issue 16).
    if (journal.aside && (options.journal === 'undo' || !['moving-aside', 'extracting', 'laying-out', 'starting', 'verifying'].includes(journal.step))) return continueAside(options, deps, lookup, journal);
    archive = options.journal === 'resume' ? journal.archive.path : journal.safetyCopy.path;
  }
  const fetched = options.journal === 'resume' && journal ? await fetchAgain(journal, deps) : undefined;
  if (fetched) archive = fetched.path;
  try {
    // Held open from before the checks until the end (issue 23 §7a): see held-archive.ts.
    const held = await holdArchive(archive);
    try {
      return await restoreHeld({ ...options, archive }, deps, lookup, held, journal);
    } finally {
      await held?.close();
    }
  } finally {
    await fetched?.dispose();
  }
}


/**
 * fetchAgain downloads the archive of an interrupted restore from s3:// again when its first
 * download is gone, and refuses (exit 2, nothing changed) unless it is byte for byte the archive
 * the restore began with (the sha256 the journal recorded).
 */
async function fetchAgain(journal: RestoreJournal, deps: FalkorRestoreDeps): Promise<{ path: string; dispose(): Promise<void> } | undefined> {
  const { url, path, sha256 } = journal.archive;
  if (!url) return undefined;
  // A kill -9 leaves the first download in its hidden folder: used as it is (the checks hash it
  // against the journal), and removed like a new download once the resume ends.
  if (await stat(path).then(() => true, () => false)) {
    const folder = dirname(path);
    return { path, dispose: async () => void (basename(folder).startsWith(OFFSITE_DOWNLOAD) ? await rm(folder, { recursive: true, force: true }) : undefined) };
  }
  const undo = 'Nothing was changed. `autocodex-ops restore falkordb --undo` puts the previous data back without any archive.';
  if (!deps.fetchArchive) throw new UsageError(`The interrupted restore's archive came from ${url}, and its download ${path} is gone; no offsite store is configured to fetch it again.`, { hint: `Set AUTOCODEX_OPS_S3_URL (and its credentials) as for the first restore and run --resume again. ${undo}` });
  deps.log.info(`The interrupted restore's archive came from ${url}; downloading it again.`);
  const fetched = await deps.fetchArchive(url).catch((error: unknown) => {
    if (!(error instanceof OpsError) || error instanceof InterruptedError) throw error;
    throw new OpsError(`The interrupted restore's archive came from ${url} and its download ${path} is gone; fetching it again failed: ${error.message}`, { cause: error, exitCode: error.exitCode, hint: `${error.hint ? `${error.hint} ` : ''}${undo}` });
  });
  if (fetched.sha256 !== sha256) {
    await fetched.dispose();
    throw new UsageError(`${url} is no longer the archive the interrupted restore began with (sha256 ${fetched.sha256}, the journal recorded ${sha256}); nothing was changed.`, { hint: `The object was replaced since. ${undo}` });
  }
  return fetched;
}

async function restoreHeld(
  options: FalkorRestoreOptions,
  deps: FalkorRestoreDeps,
  lookup: Promise<{ docker: RestoreDocker; target: FalkorTarget }>,
  held: HeldArchive | undefined,
  found: RestoreJournal | undefined,
): Promise<RestoreResult> {
  const { log, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const phases = new Phases(log, () => clock.now());
  const located = { ...options, signal };
  const mode = options.journal;
  // An interrupted restore's archive (or safety copy) passed the checks once; its sha256 must not have moved.
  const force = options.force || mode !== undefined;
  const checked = await phases.run('checking the archive', () => checkRestoreArchive(options.archive, { family: 'falkordb', force, signal, key: deps.archiveKey }));
  if (found) {
    const want = mode === 'resume' ? found.archive.sha256 : found.safetyCopy.sha256;
    if (checked.sha256 !== want) throw new UsageError(`${checked.path} changed since the interrupted restore began (sha256 ${checked.sha256}, journal ${want}); nothing was changed.`, { hint: mode === 'resume' ? 'Undo the restore instead: `autocodex-ops restore falkordb --undo`.' : `Put a safety copy back by hand: ${manualRestoreCommand({ volume: found.volume, archive: found.safetyCopy.path, image: found.helperImage, start: found.wereRunning })}` });
  }
  const { docker, target } = await phases.run('finding FalkorDB, Graphiti MCP and the data volume', () => lookup);
  if (!found) {
    const pending = await readJournal(options.journals, target.volume);
    if (pending) throw interruptedRestoreError(pending);
  }
  const falkordb = target.data.falkordb;
  const server = falkordb?.running ? await askServer(deps.connect, options.server, signal) : undefined;
  const warnings = [...checked.warnings, ...target.warnings, ...(mode === 'undo' ? [] : buildWarnings(checked.manifest, falkordb, server?.module))];
  if (server && !server.reachable) warnings.push(`FalkorDB runs but could not be asked (${server.problem}): its module version was not compared, and the restored data will be checked through the containers' health only.`);
  // How the server will load it (issue 23 §8), from the RDB heads and AOF counts read during the checks.
  const persistence = persistenceFor(server?.persistence, falkordb);
  const loadFor = (data: Parameters<typeof planLoad>[0]): LoadPlan => {
    const plan = planLoad(data, persistence);
    if (plan.refuse && !force) throw new UsageError(`The archive ${checked.path} cannot be restored: ${plan.refuse.message}`, { hint: `Nothing was changed. ${plan.refuse.hint}` });
    return plan;
  };
  const load = loadFor(checked.data ?? { rdb: new Map(), aofDirs: new Map(), legacyAof: new Map() });
  // Undoing puts back what this server held: a refusal (an empty volume's copy, say) is no news then.
  if (mode !== 'undo') warnings.push(...load.warnings, ...(load.refuse ? [`${load.refuse.message} (restoring anyway: --force)`] : []));
  for (const w of warnings) log.warn(w);
  const planned = deps.now();
  const base = falkorPlan({ ...options, encryptSafetyCopy: deps.encryption !== undefined }, checked, target, warnings, planned, load);
  // Issue 16: a new restore moves the current data aside; so does the resume of one that did.
  const asideMode = !found || found.aside !== undefined;
  const aside = found?.aside ? { volume: target.volume, ...found.aside } : asideFor(target.volume, base.safetyBackup ?? '');
  if (asideMode) assertOutsideAside(checked.listing.entries.map((e) => e.path), aside);
  const plan = found && mode ? (found.aside ? continueAsidePlan(base, found, target, aside) : continuePlan(base, mode, found, target)) : asidePlan(base, target, aside);
  if (options.dryRun) return dryRunResult(plan, phases.timings, clock.now() - started);
  if (!(await deps.confirm(plan))) throw new DeclinedError();

  const lock = await acquireLock({ dir: deps.lockDir, target: deps.locks?.falkordb ?? 'falkordb', command: 'restore falkordb', signal, log });
  return withCleanup(async (stack) => {
    stack.defer('release the falkordb lock', () => lock.release());
    // Look again under the lock: a backup in stop mode may have changed what runs since the plan.
    const live = await locateRestoreTarget(docker, located);
    if (live.volume !== target.volume) throw new OpsError(`The data volume changed since the plan (${target.volume} → ${live.volume}); nothing was changed. Run the restore again.`);
    if (!found) {
      const pending = await readJournal(options.journals, live.volume);
      if (pending) throw interruptedRestoreError(pending);
    }
    const leftovers = await removeHelperLeftovers(docker, { signal });
    if (leftovers.length > 0) log.warn(`Removed helper container(s) a killed run left behind: ${leftovers.join(', ')}`);
    // Right before anything stops (issue 23 §7a): the archive must still be the one approved.
    if (!held) throw new OpsError(`The archive ${checked.path} could not be held open for the restore; nothing was stopped or changed.`);
    await recheckArchive(held);
    const loaded = load;
    const services = { falkordb: live.data.falkordb, graphiti: live.data.graphiti };
    // A new run creates the helper that moves the data aside (and then takes the archive) while the services stop.
    const preparing = found ? undefined : prepareMoveAside(docker, { volume: live.volume, helperImages: [live.helperImage] }, aside);
    preparing?.catch(() => undefined);
    if (preparing) stack.defer('remove the restore helper', async () => (await preparing.catch(() => undefined))?.remove());
    const stopped = await phases.run('stopping the services', () =>
      stopServices(docker, services, { connect: deps.connect, server: options.server, graceSeconds: options.stopGraceSeconds, signal, log }),
    );
    let volume: VolumeState = found ? 'unknown' : 'original';
    stack.defer('restart the services that were running', async () => {
      if (volume === 'original') await stopped.undo();
      else if (volume === 'unknown' && stopped.stopped.length > 0) log.error(`Left ${stopped.stopped.map((c) => c.name).join(', ')} stopped: the volume's content is not known to be good.`);
    });
    const vt = { volume: live.volume, helperImages: [live.helperImage] };
    const before = stopped.before;
    const c = live.data.falkordb;
    const named = (names: readonly string[]) => (s: { id: string; name: string }) => names.includes(s.name) || stopped.stopped.some((x) => x.id === s.id);
    // What ran before the restore: this run's stop, or for a journal the run that was interrupted.
    const wereRunning = found ? inStartOrder(services, named(found.wereRunning)) : stopped.stopped;
    const toStart = found ? inStartOrder(services, named(mode === 'undo' ? found.wereRunning : found.toStart)) : inStartOrder(services, (s) => options.start || stopped.stopped.some((x) => x.id === s.id));
    const health = healthOptions(options, deps, live, stopped, clock, warnings, server?.reachable === false);
    const facts = {
      createdAt: planned,
      host: deps.hostname,
      toolVersion: deps.toolVersion,
      mode: 'stop' as const,
      source: { ...describeStorage(live.data.storage), engine: docker.endpoint, restoring: checked.path, container: c ? { id: c.id, name: c.name, image: c.image, imageId: c.imageId, imageDigests: live.data.imageDigests } : null },
      // What ran before: a fresh run's stop saw the data it moves aside; a resume's saw the restored data, not the folder's.
      ...(before?.reachable && !found ? { server: { keys: before.keys, ...(before.graphs ? { graphs: before.graphs } : {}), ...(before.module ? { modules: [{ name: 'graph', version: before.module }] } : {}) } } : {}),
      warnings: [`Pre-restore safety copy, taken before restoring ${checked.path}.`],
    };
    /** The result of a restore that finished, whichever sequence did it. */
    const finished = (safetyBackup: string, report: ServicesHealth): RestoreResult => ({
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
      load: loaded.how,
      ...(mode ? { finished: mode } : {}),
    });
    if (asideMode) {
      const record: RestoreJournal = found
        ? { ...found, host: deps.hostname, pid: process.pid, updatedAt: deps.now().toISOString() }
        : {
            version: 1,
            command: 'restore falkordb',
            volume: live.volume,
            archive: { path: checked.path, sha256: checked.sha256, ...(options.sourceUrl ? { url: options.sourceUrl } : {}) },
            engine: options.journals.engine,
            safetyCopy: { path: base.safetyBackup ?? '', sha256: '' },
            aside: { folder: aside.folder, discard: aside.discard },
            helperImage: live.helperImage,
            wereRunning: wereRunning.map((s) => s.name),
            toStart: toStart.map((s) => s.name),
            step: 'moving-aside',
            startedAt: deps.now().toISOString(),
            updatedAt: deps.now().toISOString(),
            host: deps.hostname,
            pid: process.pid,
          };
      const done = await runAsideSequence({
        docker,
        vt,
        aside,
        volume: live.volume,
        helperImage: live.helperImage,
        services,
        wereRunning,
        toStart,
        checked,
        held,
        load,
        health,
        safetyCopy: { dir: options.preRestoreDir, facts, log, now: deps.now, encryption: deps.encryption, key: deps.archiveKey },
        phases,
        log,
        journals: options.journals,
        now: deps.now,
        ...(signal ? { signal } : {}),
        ...(deps.progress ? { progress: deps.progress } : {}),
        record,
        resuming: found !== undefined,
        step: (r, next) => pausing(options.journals, r, next, deps),
        setVolume: (state) => (volume = state),
        ...(preparing ? { helper: preparing } : {}),
      });
      return finished(done.safetyBackup, done.report);
    }
    // A journal of an earlier version (its safety copy written first, then the volume wiped):
    // finished or undone as it began. A new restore never gets here (it moves the data aside).
    if (!found) throw new OpsError('Internal error: a new restore must move the current data aside.');
    const safety = { path: found.safetyCopy.path, sha256: found.safetyCopy.sha256 };
    const putBack = () => replaceVolumeContent(docker, vt, { path: safety.path, sha256: safety.sha256, key: deps.archiveKey, ...(mode === 'undo' ? { handle: held.handle } : {}) });
    // The journal marks the volume from before the wipe until the data is verified (issue 23 §3).
    let record: RestoreJournal = { ...found, host: deps.hostname, pid: process.pid, updatedAt: deps.now().toISOString() };
    const step = async (next: JournalStep) => {
      record = await pausing(options.journals, record, next, deps);
    };
    try {
      await step(mode === 'undo' ? 'rolling-back' : 'wiping');
      throwIfAborted(signal);
      volume = 'unknown';
      const total = (await held.handle.stat()).size;
      deps.progress?.start(total);
      await phases.run(mode === 'undo' ? 'putting the safety copy back' : 'wiping the volume and extracting the archive', () =>
        replaceVolumeContent(docker, vt, { ...checked, handle: held.handle }, { signal, onWiped: () => (mode === 'undo' ? Promise.resolve() : step('extracting')), onProgress: (n) => deps.progress?.update(n) }).finally(() => deps.progress?.stop()),
      );
      if (loaded.layout) {
        await step('laying-out');
        await phases.run('laying the RDB out as the base of the AOF', () => layOutForLoad(docker, vt, loaded, signal));
      }
      await step('starting');
      // The restore checks the manifest's key count and graphs, and what the files themselves promise; the rollback only a PING.
      const dataCheck = health.server && { ...health.server, expected: { ...expectedData(checked.manifest), load: loaded.expect } };
      const report = await phases.run('starting the services and checking the data', () => bringUp(docker, { ...health, ...(dataCheck ? { server: dataCheck } : {}), start: toStart, signal }));
      volume = 'replaced';
      await clearJournal(options.journals, live.volume);
      return finished(safety.path, report);
    } catch (error) {
      const phase = phases.current;
      const interrupted = Boolean(signal?.aborted);
      log.error(`Restore ${interrupted ? 'interrupted' : 'failed'} while ${phase ?? 'restoring'}: ${(error as Error).message}`);
      const ctx: RollbackContext = { docker, services, volume: live.volume, helperImage: live.helperImage, safetyPath: safety.path, putBack, wereRunning, health, log };
      if (volume === 'original') {
        // Nothing was wiped (the journal could not be written, or the run stopped just before the wipe).
        if (!found) await clearJournal(options.journals, live.volume).catch(() => undefined);
        throw error;
      }
      record = await advanceJournal(options.journals, record, 'rolling-back', deps.now()).catch(() => record);
      // Undoing failed while putting the safety copy back itself: doing the same again would not help.
      const outcome = mode === 'undo' ? { volume: 'unknown' as const, failure: { step: `putting the safety copy ${safety.path} back`, message: (error as Error).message } } : await phases.run('rolling back to the safety copy', () => rollBackToSafetyCopy(ctx));
      volume = outcome.volume === 'restored' ? 'original' : 'unknown';
      if (outcome.volume === 'restored') await clearJournal(options.journals, live.volume).catch(() => undefined);
      else await advanceJournal(options.journals, record, 'rollback-failed', deps.now()).catch(() => undefined);
      throw rollbackError(error, phase, outcome, ctx, interrupted);
    }
  });
}

/**
 * continueAside undoes an interrupted move-aside restore (`--undo`: the folder's data goes back to
 * the top, what ran before starts and answers PING) or finishes one whose data was verified
 * (`--resume`: the folder is written out as the verified safety archive, then deleted). Neither
 * needs the restore's archive. A run killed while rolling back can only be undone.
 */
async function continueAside(options: FalkorRestoreOptions, deps: FalkorRestoreDeps, lookup: Promise<{ docker: RestoreDocker; target: FalkorTarget }>, journal: RestoreJournal): Promise<RestoreResult> {
  const { log, signal } = deps;
  const mode = options.journal ?? 'undo';
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const phases = new Phases(log, () => clock.now());
  const folder = journal.aside?.folder ?? '';
  if (mode === 'resume' && journal.step !== 'writing-safety-archive') {
    throw new UsageError(`The interrupted restore of volume ${journal.volume} was rolling back (journal step ${journal.step}): it can only be undone; nothing was changed.`, { hint: 'Run `autocodex-ops restore falkordb --undo` (moves the previous data back from the folder it was moved aside into).' });
  }
  const { docker, target } = await phases.run('finding FalkorDB, Graphiti MCP and the data volume', () => lookup);
  const aside = { volume: target.volume, folder, discard: journal.aside?.discard ?? '' };
  const warnings = [...target.warnings];
  for (const w of warnings) log.warn(w);
  const plan = continueAsideWithoutArchive(mode, journal, target, folder, warnings);
  if (options.dryRun) return dryRunResult(plan, phases.timings, clock.now() - started);
  if (!(await deps.confirm(plan))) throw new DeclinedError();
  const lock = await acquireLock({ dir: deps.lockDir, target: deps.locks?.falkordb ?? 'falkordb', command: 'restore falkordb', signal, log });
  return withCleanup(async (stack) => {
    stack.defer('release the falkordb lock', () => lock.release());
    const live = await locateRestoreTarget(docker, { ...options, signal });
    if (live.volume !== target.volume) throw new OpsError(`The data volume changed since the plan (${target.volume} → ${live.volume}); nothing was changed. Run the command again.`);
    // Under the lock: another run may have finished or undone it since the plan.
    const again = await readJournal(options.journals, live.volume);
    if (!again || !('journal' in again) || again.journal.startedAt !== journal.startedAt) throw new OpsError(`The interrupted restore of volume ${live.volume} changed since the plan (another run finished or undid it); nothing was changed.`, { hint: '`autocodex-ops healthcheck --only restore-interrupted` says where it stands.' });
    let record: RestoreJournal = { ...again.journal, host: deps.hostname, pid: process.pid, updatedAt: deps.now().toISOString() };
    const leftovers = await removeHelperLeftovers(docker, { signal });
    if (leftovers.length > 0) log.warn(`Removed helper container(s) a killed run left behind: ${leftovers.join(', ')}`);
    const vt = { volume: live.volume, helperImages: [live.helperImage] };
    const services = { falkordb: live.data.falkordb, graphiti: live.data.graphiti };
    const base = { kind: 'falkordb' as const, archive: journal.archive.path, dryRun: false, sha256: journal.archive.sha256, checksum: 'verified' as const, target: live.volume, finished: mode };
    if (mode === 'resume') {
      const safetyCopy = {
        dir: options.preRestoreDir,
        facts: { createdAt: deps.now(), host: deps.hostname, toolVersion: deps.toolVersion, mode: 'stop' as const, source: { ...describeStorage(live.data.storage), engine: docker.endpoint, restoring: journal.archive.path, container: null }, warnings: [`Pre-restore safety copy, taken before restoring ${journal.archive.path} (written by --resume from ${folder}).`] },
        log,
        now: deps.now,
        encryption: deps.encryption,
        key: deps.archiveKey,
      };
      const path = await writeAsideArchive({ docker, vt, aside, safetyCopy, phases, journals: options.journals, log }, record);
      return { ...base, safetyBackup: path, durationMs: Math.round(clock.now() - started), stopped: [], started: [], phases: phases.timings, warnings };
    }
    const stopped = await phases.run('stopping the services', () => stopServices(docker, services, { connect: deps.connect, server: options.server, graceSeconds: options.stopGraceSeconds, signal, log }));
    const wereRunning = inStartOrder(services, (s) => journal.wereRunning.includes(s.name));
    record = await pausing(options.journals, record, 'rolling-back', deps);
    try {
      await phases.run(`moving the previous data back from ${folder}`, async () => {
        if (journal.step === 'moving-aside') return undoMoveAside(docker, vt, aside);
        // A rollback killed after its move back ended left no folder: the previous data is at the top.
        const ended = journal.step === 'rolling-back' || journal.step === 'rollback-failed';
        return moveBack(docker, vt, aside).catch((error: unknown) => {
          if (ended && error instanceof OpsError && error.message.includes(missingAside(aside))) return;
          throw error;
        });
      });
    } catch (error) {
      await advanceJournal(options.journals, record, 'rollback-failed', deps.now()).catch(() => undefined);
      throw new OpsError(`Undoing the restore of volume ${live.volume} failed while moving the previous data back: ${(error as Error).message}`, { cause: error, hint: `FalkorDB and Graphiti MCP were left stopped. Put it back by hand: ${manualMoveBackCommand(aside, live.helperImage, wereRunning.map((c) => c.name))}` });
    }
    await clearJournal(options.journals, live.volume);
    const health = healthOptions({ ...options, journal: 'undo' }, deps, live, stopped, clock, warnings, false);
    const report = await phases.run('starting the services and checking them', () => bringUp(docker, { ...health, start: wereRunning, signal }));
    return { ...base, safetyBackup: null, durationMs: Math.round(clock.now() - started), health: report, stopped: stopped.stopped.map((s) => s.name), started: wereRunning.map((s) => s.name), phases: phases.timings, warnings: [...warnings, ...report.warnings] };
  });
}
