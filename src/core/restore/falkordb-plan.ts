import { archivePath } from '../backup-store/naming.js';
import type { ManifestView } from '../backup-store/manifest.js';
import type { CheckedArchive } from '../backup-store/check-archive.js';
import type { FalkorTarget } from './falkordb-target.js';
import type { ExpectedData } from '../stack/falkordb-verify.js';
import type { LoadPlan } from '../falkordb/load-plan.js';
import type { RestoreJournal } from '../backup-store/restore-journal.js';
import { planBase, type RestorePlan } from './restore-result.js';

/** The choices of `restore falkordb` that shape its plan. */
export interface FalkorPlanOptions {
  start: boolean;
  preRestoreDir: string;
  healthTimeoutSecs: number;
  skipHealthWait: boolean;
  /** The safety copy is age-encrypted (`.tar.gz.age`), issue 21. */
  encryptSafetyCopy?: boolean;
}

const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);

/**
 * expectedData reads what the restored server must hold from the archive's manifest: `server.keys`
 * and `server.graphs`, lenient for a live-mode backup (writes may have been in flight). An archive
 * without a manifest expects nothing beyond an answered PING. Pure.
 */
export function expectedData(manifest: ManifestView | undefined): ExpectedData {
  if (!manifest) return {};
  const keys = field(manifest, 'server', 'keys');
  const graphs = field(manifest, 'server', 'graphs');
  return {
    ...(typeof keys === 'number' ? { keys } : {}),
    ...(Array.isArray(graphs) ? { graphs: graphs.map(String) } : {}),
    ...(field(manifest, 'mode') === 'live' ? { lenient: true } : {}),
  };
}

/**
 * falkorPlan describes the restore before anything happens: containers to stop (those running)
 * and to start (the same, or every one found with `start`), the volume to wipe, the planned safety
 * copy `falkordb_pre_restore_<UTC stamp>.tar.gz` and what is checked afterwards. Pure.
 */
export function falkorPlan(options: FalkorPlanOptions, checked: CheckedArchive, target: FalkorTarget, warnings: string[], now: Date, load?: LoadPlan): RestorePlan {
  const found = [target.data.falkordb, target.data.graphiti].filter((c) => c !== undefined);
  const running = found.filter((c) => c.running);
  const start = options.start ? found : running;
  const expected = expectedData(checked.manifest);
  const checks = [
    expected.keys !== undefined ? `key count ${expected.keys}` : undefined,
    expected.graphs !== undefined ? `${expected.graphs.length} graph name(s)` : undefined,
  ].filter(Boolean);
  const verify =
    start.length === 0
      ? 'nothing is started, so the server does not check the data'
      : options.skipHealthWait
        ? 'start the services without waiting for them (SKIP_RESTORE_HEALTH_WAIT)'
        : `wait up to ${options.healthTimeoutSecs} s for the services to be healthy, then an authenticated PING${checks.length ? ` and ${checks.join(' and ')} as in the manifest` : ''}${
            load && (load.expect.keys !== undefined || load.expect.atLeastOne) ? `; fewer keys than the archive's files hold (${load.expect.source}) is a failed restore` : ''
          }`;
  const safetyBackup = archivePath(options.preRestoreDir, 'falkordb-pre-restore', now, options.encryptSafetyCopy === true);
  return {
    kind: 'falkordb',
    ...planBase(checked),
    target: target.volume,
    stop: [...running].reverse().map((c) => c.name),
    start: start.map((c) => c.name),
    safetyBackup,
    verify,
    ...(load ? { load: load.describe } : {}),
    steps: [
      'take the falkordb lock',
      running.length ? `stop ${[...running].reverse().map((c) => c.name).join(', ')}` : 'nothing to stop',
      `archive volume ${target.volume} to ${safetyBackup} (verified, with .sha256 and .manifest.json)`,
      'write the restore journal beside it (until the data is verified, backups refuse this volume and --resume/--undo finish an interrupted run)',
      `wipe volume ${target.volume}, dotfiles included`,
      `extract ${checked.path} into it`,
      ...(load ? [`make the server load it: ${load.describe}`] : []),
      start.length ? `start ${start.map((c) => c.name).join(', ')}` : 'start nothing',
      verify,
    ],
    warnings,
  };
}

/**
 * continuePlan turns a plan into the one for `--resume` (restore the journal's archive again, no new
 * safety copy) or `--undo` (put the journal's safety copy back, start what ran before). Pure.
 */
export function continuePlan(plan: RestorePlan, mode: 'resume' | 'undo', journal: RestoreJournal, target: FalkorTarget): RestorePlan {
  const found = [target.data.falkordb, target.data.graphiti].filter((c) => c !== undefined);
  const running = found.filter((c) => c.running);
  const names = mode === 'undo' ? journal.wereRunning : journal.toStart;
  const start = found.filter((c) => names.includes(c.name) || c.running).map((c) => c.name);
  const what = mode === 'undo' ? `the safety copy ${journal.safetyCopy.path}` : journal.archive.path;
  return {
    ...plan,
    safetyBackup: journal.safetyCopy.path,
    start,
    steps: [
      'take the falkordb lock',
      running.length ? `stop ${[...running].reverse().map((c) => c.name).join(', ')}` : 'nothing to stop',
      `finish the interrupted restore of ${journal.startedAt} (journal step: ${journal.step}): no new safety copy; ${journal.safetyCopy.path} stays`,
      `wipe volume ${target.volume}, dotfiles included`,
      `extract ${what} into it`,
      ...(plan.load && mode === 'resume' ? [`make the server load it: ${plan.load}`] : []),
      start.length ? `start ${start.join(', ')}` : 'start nothing',
      plan.verify,
      'remove the restore journal once the data is verified',
    ],
  };
}

/**
 * asidePlan turns falkorPlan's plan into the move-aside sequence a restore runs (issue 16): the
 * current data is renamed into a hidden folder of the volume, the archive extracted beside it, and
 * the folder written out as the safety copy while the services are checked, deleted only once that
 * archive is verified. Pure.
 */
export function asidePlan(plan: RestorePlan, target: FalkorTarget, aside: { folder: string }): RestorePlan {
  const found = [target.data.falkordb, target.data.graphiti].filter((c) => c !== undefined);
  const running = found.filter((c) => c.running);
  return {
    ...plan,
    asideFolder: aside.folder,
    steps: [
      'take the falkordb lock',
      running.length ? `stop ${[...running].reverse().map((c) => c.name).join(', ')}` : 'nothing to stop',
      `write the restore journal beside ${plan.safetyBackup} (until the folder ${aside.folder} is gone, backups refuse this volume and --resume/--undo finish an interrupted run)`,
      `move the current data of volume ${target.volume} aside into its folder ${aside.folder} (a rename inside the volume)`,
      `extract ${plan.archive} beside it`,
      ...(plan.load ? [`make the server load it: ${plan.load}`] : []),
      plan.start.length ? `start ${plan.start.join(', ')}` : 'start nothing',
      `${plan.verify}; meanwhile write ${aside.folder} to ${plan.safetyBackup} (verified, with .sha256 and .manifest.json)`,
      `on failure or Ctrl-C until then: move the previous data in ${aside.folder} back and start what ran`,
      `once the data and the safety copy are verified: delete ${aside.folder} and the journal`,
    ],
  };
}

/** continueAsidePlan is the plan of `--resume` of an interrupted move-aside restore that extracts again. Pure. */
export function continueAsidePlan(plan: RestorePlan, journal: RestoreJournal, target: FalkorTarget, aside: { folder: string }): RestorePlan {
  const found = [target.data.falkordb, target.data.graphiti].filter((c) => c !== undefined);
  const running = found.filter((c) => c.running);
  const start = found.filter((c) => journal.toStart.includes(c.name) || c.running).map((c) => c.name);
  return {
    ...plan,
    safetyBackup: journal.safetyCopy.path,
    start,
    asideFolder: aside.folder,
    steps: [
      'take the falkordb lock',
      running.length ? `stop ${[...running].reverse().map((c) => c.name).join(', ')}` : 'nothing to stop',
      `finish the interrupted restore of ${journal.startedAt} (journal step: ${journal.step}): the previous data stays in ${aside.folder}`,
      journal.step === 'moving-aside' ? `put back what the killed run had moved, then move the current data of volume ${target.volume} aside into ${aside.folder}` : `remove the half-restored data beside ${aside.folder}`,
      `extract ${journal.archive.path} beside it`,
      ...(plan.load ? [`make the server load it: ${plan.load}`] : []),
      start.length ? `start ${start.join(', ')}` : 'start nothing',
      `${plan.verify}; meanwhile write ${aside.folder} to a verified falkordb_pre_restore_* archive`,
      `once the data and the safety copy are verified: delete ${aside.folder} and the journal`,
    ],
  };
}

/**
 * continueAsideWithoutArchive is the plan of what needs no archive: `--undo` of a move-aside restore
 * (move the folder back, start what ran) or `--resume` once the data was verified (write the folder
 * out, delete it). Pure.
 */
export function continueAsideWithoutArchive(mode: 'resume' | 'undo', journal: RestoreJournal, target: FalkorTarget, folder: string, warnings: string[]): RestorePlan {
  const found = [target.data.falkordb, target.data.graphiti].filter((c) => c !== undefined);
  const running = found.filter((c) => c.running);
  const start = mode === 'undo' ? found.filter((c) => journal.wereRunning.includes(c.name)).map((c) => c.name) : [];
  const undo = mode === 'undo';
  const verify = undo ? (start.length ? 'wait for the services to be healthy, then an authenticated PING' : 'nothing is started') : `verify ${journal.safetyCopy.path} before ${folder} is deleted`;
  return {
    kind: 'falkordb',
    archive: journal.archive.path,
    sha256: journal.archive.sha256,
    checksum: 'verified',
    entries: 0,
    contentBytes: 0,
    typedConfirmation: false,
    target: target.volume,
    stop: undo ? [...running].reverse().map((c) => c.name) : [],
    start,
    safetyBackup: undo ? null : journal.safetyCopy.path,
    verify,
    asideFolder: folder,
    steps: undo
      ? [
          'take the falkordb lock',
          running.length ? `stop ${[...running].reverse().map((c) => c.name).join(', ')}` : 'nothing to stop',
          `undo the interrupted restore of ${journal.startedAt} (journal step: ${journal.step}): no archive is needed`,
          journal.step === 'moving-aside' ? `move back what the killed run had moved into ${folder}` : `move what is at the top of volume ${target.volume} into ${journal.aside?.discard ?? 'a discard folder'}, move the previous data in ${folder} back to the top, delete both folders`,
          start.length ? `start ${start.join(', ')}` : 'start nothing',
          verify,
          'remove the restore journal',
        ]
      : [
          'take the falkordb lock',
          `finish the interrupted restore of ${journal.startedAt} (journal step: ${journal.step}): the restored data was verified and stays running`,
          `write ${folder} of volume ${target.volume} to a verified falkordb_pre_restore_* archive`,
          `delete ${folder} and the restore journal`,
        ],
    warnings,
  };
}
