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
