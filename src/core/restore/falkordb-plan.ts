import { basename } from 'node:path';
import { archivePath } from '../backup-store/naming.js';
import type { ManifestView } from '../backup-store/manifest.js';
import type { CheckedArchive } from '../backup-store/check-archive.js';
import type { FalkorTarget } from './falkordb-target.js';
import type { ExpectedData } from '../stack/falkordb-verify.js';
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
 * and to start (the same, or every one found with `start`), the volume, the folder its data is moved
 * aside into, the planned safety copy `falkordb_pre_restore_<UTC stamp>.tar.gz` (written from that
 * folder while the services start) and what is checked afterwards. Pure.
 */
export function falkorPlan(options: FalkorPlanOptions, checked: CheckedArchive, target: FalkorTarget, warnings: string[], now: Date): RestorePlan {
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
        : `wait up to ${options.healthTimeoutSecs} s for the services to be healthy, then an authenticated PING${checks.length ? ` and ${checks.join(' and ')} as in the manifest` : ''}`;
  const safetyBackup = archivePath(options.preRestoreDir, 'falkordb-pre-restore', now, options.encryptSafetyCopy === true);
  return {
    kind: 'falkordb',
    ...planBase(checked),
    target: target.volume,
    stop: [...running].reverse().map((c) => c.name),
    start: start.map((c) => c.name),
    safetyBackup,
    verify,
    steps: [
      'take the falkordb lock',
      running.length ? `stop ${[...running].reverse().map((c) => c.name).join(', ')}` : 'nothing to stop',
      `move the current data of volume ${target.volume} aside into its folder .${basename(safetyBackup).replace(/\.tar\.gz(\.age)?$/, '')} (a rename inside the volume)`,
      `extract ${checked.path} into the volume`,
      start.length ? `start ${start.map((c) => c.name).join(', ')}` : 'start nothing',
      `${verify}; meanwhile archive the moved-aside data to ${safetyBackup} (verified, with .sha256 and .manifest.json)`,
      'delete the moved-aside folder once that archive is verified (on any failure before the checks pass: move it back and restart what ran)',
    ],
    warnings,
  };
}
