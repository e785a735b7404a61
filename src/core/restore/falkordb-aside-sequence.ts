import type { ContainerInfo } from '../docker/docker.js';
import { startContainers } from '../docker/stop-start.js';
import { OpsError, throwIfAborted } from '../errors.js';
import { advanceJournal, clearJournal, writeJournal, type JournalPlace, type JournalStep, type RestoreJournal } from '../backup-store/restore-journal.js';
import type { CheckedArchive } from '../backup-store/check-archive.js';
import type { LoadPlan } from '../falkordb/load-plan.js';
import { replaceVolumeContent, takeSafetyCopy, type SafetyCopyOptions, type VolumeTarget } from '../stack/falkordb-volume.js';
import { AsideLeftoverError, clearBesideAside, manualMoveBackCommand, moveAside, moveBack, removeAside, undoMoveAside, type Aside } from './falkordb-aside.js';
import { layOutForLoad } from './falkordb-load.js';
import { expectedData } from './falkordb-plan.js';
import { rollBackToSafetyCopy, rollbackError, type RollbackContext } from './falkordb-rollback.js';
import { checkStarted, type BringUpOptions, type ServicesHealth, type ServiceSet } from './falkordb-services.js';
import type { RestoreDocker } from './falkordb-target.js';
import type { HeldArchive } from './held-archive.js';
import type { HelperContainer } from '../docker/helper-container.js';
import type { Phases, RestoreLog } from './phases.js';

// Issue 16: the journaled move-aside restore. The current data is renamed into a hidden folder of
// the volume (falkordb-aside.ts), the archive is extracted beside it, the services start, and while
// they are checked the folder is written out as the verified falkordb_pre_restore_* archive; the
// folder is deleted only once that archive is verified. The journal names each step, so a crash
// leaves either the old data complete (at the top, or in the folder) or the new data verified with
// the old one in the folder, and says which: --undo moves the folder back, --resume extracts again
// beside it (or, once verified, writes the archive and deletes the folder).

/** Where the volume stands, for the caller's cleanup (restart what ran only while it is `original`). */
export type VolumeState = 'original' | 'unknown' | 'replaced';

/** Everything the sequence needs from the restore that located, checked and stopped. */
export interface AsideSequence {
  docker: RestoreDocker;
  vt: VolumeTarget;
  aside: Aside;
  volume: string;
  helperImage: string;
  services: ServiceSet;
  wereRunning: ContainerInfo[];
  toStart: ContainerInfo[];
  checked: CheckedArchive;
  held: HeldArchive;
  load: LoadPlan;
  health: Omit<BringUpOptions, 'start' | 'signal'>;
  /** The safety archive's writer options, less the folder and the signal. */
  safetyCopy: Omit<SafetyCopyOptions, 'subfolder' | 'signal'>;
  phases: Phases;
  log: RestoreLog;
  /** Where the journal is written (the state folder; an earlier version's is moved there). */
  journals: JournalPlace;
  now: () => Date;
  signal?: AbortSignal;
  progress?: { start(total?: number): void; update(n: number): void; stop(): void };
  /** The journal: a new one (written before the first move) or the interrupted run's (resume). */
  record: RestoreJournal;
  resuming: boolean;
  /** Moves the journal to `next` (and holds there for the kill tests). */
  step: (record: RestoreJournal, next: JournalStep) => Promise<RestoreJournal>;
  setVolume: (state: VolumeState) => void;
  /** A new run's helper, created while the services stopped: it moves the data aside, then takes the archive (two container creations fewer while the services are down). */
  helper?: Promise<HelperContainer>;
}

/** What the sequence hands back to build the result. */
export interface AsideOutcome {
  report: ServicesHealth;
  safetyBackup: string;
}

/**
 * writeAsideArchive writes the moved-aside folder as the verified safety archive, records it in the
 * journal, deletes the folder and clears the journal. Until the folder is deleted the journal says
 * `writing-safety-archive`, so a crash here leaves the old data in the folder and --resume redoes it.
 */
export async function writeAsideArchive(
  o: Pick<AsideSequence, 'docker' | 'vt' | 'aside' | 'safetyCopy' | 'phases' | 'journals' | 'log'>,
  record: RestoreJournal,
  writing?: Promise<{ path: string; sha256: string }>,
): Promise<string> {
  const written = await o.phases.run('writing the safety archive of the previous data', () => writing ?? writeArchive(o));
  await writeJournal(o.journals, { ...record, safetyCopy: written });
  o.log.info(`Safety copy written and verified: ${written.path}`);
  await o.phases.run('removing the moved-aside data', () => removeAside(o.docker, o.vt, o.aside));
  await clearJournal(o.journals, record.volume);
  return written.path;
}

function writeArchive(o: Pick<AsideSequence, 'docker' | 'vt' | 'aside' | 'safetyCopy'>, signal?: AbortSignal): Promise<{ path: string; sha256: string }> {
  return takeSafetyCopy(o.docker, o.vt, { ...o.safetyCopy, subfolder: o.aside.folder, ...(signal ? { signal } : {}) }).then((s) => ({ path: s.stored.written.path, sha256: s.stored.written.sha256 }));
}

/**
 * runAsideSequence runs a restore from the moment the services are stopped: journal, move aside
 * (or, resuming, clear the half extraction beside the folder), extract, lay out, start, check the
 * data while the safety archive is written, then delete the folder. Any failure or Ctrl-C before
 * the checks pass moves the old data back and restarts what ran (rollbackError says how it went);
 * a failure after they passed keeps the folder and the journal at `writing-safety-archive`.
 */
export async function runAsideSequence(o: AsideSequence): Promise<AsideOutcome> {
  const { docker, vt, aside, phases, log, signal } = o;
  let record = o.record;
  const step = async (next: JournalStep) => (record = await o.step(record, next));
  let stage: 'moving' | 'beside' | 'verified' = 'moving';
  const stopWriting = new AbortController();
  let writing: Promise<{ path: string; sha256: string }> | undefined;
  const rollback: RollbackContext = {
    docker,
    services: o.services,
    volume: o.volume,
    helperImage: o.helperImage,
    safetyPath: record.safetyCopy.path,
    wayBack: `its previous data (moved aside into ${aside.folder})`,
    putBack: () => (stage === 'moving' ? undoMoveAside(docker, vt, aside) : moveBack(docker, vt, aside)),
    manual: manualMoveBackCommand(aside, o.helperImage, o.wereRunning.map((c) => c.name)),
    wereRunning: o.wereRunning,
    health: o.health,
    log,
  };
  try {
    if (!o.resuming) await writeJournal(o.journals, record);
    if (!o.resuming || record.step === 'moving-aside') {
      await step('moving-aside');
      throwIfAborted(signal);
      o.setVolume('unknown');
      // A killed move: put back what it had moved first (nothing when it made no folder).
      if (o.resuming) await undoMoveAside(docker, vt, aside);
      await phases.run('moving the current data aside inside the volume', async () => moveAside(docker, vt, aside, o.helper ? await o.helper : undefined));
    } else {
      o.setVolume('unknown');
      await phases.run(`removing the half-restored data beside ${aside.folder}`, () => clearBesideAside(docker, vt, aside, signal));
    }
    stage = 'beside';
    await step('extracting');
    const total = (await o.held.handle.stat()).size;
    o.progress?.start(total);
    const helper = o.helper ? await o.helper : undefined;
    await phases.run('extracting the archive', () =>
      replaceVolumeContent(docker, vt, { ...o.checked, handle: o.held.handle }, { signal, wipe: 'moved-aside', ...(helper ? { helper } : {}), onProgress: (n) => o.progress?.update(n) }).finally(() => o.progress?.stop()),
    );
    // The helper goes while the services start (the caller's cleanup retries a failed removal).
    const removing = helper?.remove();
    removing?.catch(() => undefined);
    if (o.load.layout) {
      await step('laying-out');
      await phases.run('laying the RDB out as the base of the AOF', () => layOutForLoad(docker, vt, o.load, signal));
    }
    await step('starting');
    await phases.run('starting the services', () => startContainers(docker, o.toStart.map((c) => c.id)));
    await removing?.catch(() => undefined);
    await step('verifying');
    // The portable archive of the old data is written while the services are checked.
    writing = writeArchive(o, stopWriting.signal);
    writing.catch(() => undefined);
    const dataCheck = o.health.server && { ...o.health.server, expected: { ...expectedData(o.checked.manifest), load: o.load.expect } };
    const report = await phases.run('checking the services and the data', async () => {
      const r = await checkStarted(docker, { ...o.health, ...(dataCheck ? { server: dataCheck } : {}), start: o.toStart, signal });
      throwIfAborted(signal); // a Ctrl-C during the checks still means "take me back"
      return r;
    });
    stage = 'verified';
    o.setVolume('replaced');
    await step('writing-safety-archive');
    const safetyBackup = await writeAsideArchive(o, record, writing);
    return { report, safetyBackup };
  } catch (error) {
    if (stage === 'verified') {
      throw new OpsError(`The restore was verified, but keeping its way back failed: ${(error as Error).message}`, {
        cause: error,
        hint: `The restored data runs; the previous data stays in the folder ${aside.folder} of volume ${o.volume} and the journal stays. Run \`autocodex-ops restore falkordb --resume\` to write its archive and remove the folder (or \`--undo\` to move it back).`,
      });
    }
    const phase = phases.current;
    const interrupted = Boolean(signal?.aborted);
    log.error(`Restore ${interrupted ? 'interrupted' : 'failed'} while ${phase ?? 'restoring'}: ${(error as Error).message}`);
    // The archive write reads the folder about to move back: stop it and let it clean up first.
    stopWriting.abort();
    await writing?.catch(() => undefined);
    if (error instanceof AsideLeftoverError && stage === 'moving' && !o.resuming) {
      // Nothing moved: an earlier restore's folder is in the volume.
      o.setVolume('original');
      await clearJournal(o.journals, o.volume).catch(() => undefined);
      throw error;
    }
    record = await advanceJournal(o.journals, record, 'rolling-back', o.now()).catch(() => record);
    const outcome = await phases.run('rolling back to the previous data', () => rollBackToSafetyCopy(rollback));
    o.setVolume(outcome.volume === 'restored' ? 'original' : 'unknown');
    if (outcome.volume === 'restored') await clearJournal(o.journals, o.volume).catch(() => undefined);
    else await advanceJournal(o.journals, record, 'rollback-failed', o.now()).catch(() => undefined);
    throw rollbackError(error, phase, outcome, rollback, interrupted);
  }
}
