import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ownerToActAs } from '../fs/identity.js';
import { folderTar } from '../archive/folder-tar.js';
import { detectRunningApp, USERDATA_EXCLUDES, type AppProbe } from '../stack/app-running.js';
import { archivePath } from '../backup-store/naming.js';
import { storeBackup } from '../backup-store/store-backup.js';
import { DeclinedError, OpsError, UsageError } from '../errors.js';
import { withCleanup } from '../run/cleanup.js';
import { acquireLock } from '../run/lock.js';
import { userdataLockTarget } from '../run/target-lock.js';
import { checkRestoreArchive } from '../backup-store/check-archive.js';
import { Phases } from './phases.js';
import { dryRunResult, planBase, type RestoreDeps, type RestorePlan, type RestoreResult } from './restore-result.js';
import { extractToStaging, inspectTarget, removeTree, siblingPath, swapIn } from './userdata-swap.js';

/** How `restore userdata` runs. */
export interface UserdataRestoreOptions {
  archive: string;
  userdataDir: string;
  preRestoreDir: string;
  dryRun: boolean;
  /** Restore even while the app seems to run. */
  force: boolean;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function refuseWhileRunning(dir: string, force: boolean, probe: AppProbe | undefined, warnings: string[]): Promise<void> {
  const app = await detectRunningApp(dir, probe);
  if (app.state === 'not-running') return;
  if (!force) {
    throw new OpsError(`Auto Codex seems to be running (${app.detail}); replacing its userData folder now would corrupt it. Nothing was changed.`, {
      hint: 'Quit the app and run the restore again, or pass --force if you are sure it is not running.',
    });
  }
  warnings.push(`Restoring with --force although the app seems to be running (${app.detail}).`);
}

/**
 * runUserdataRestore replaces the Electron userData folder with an archive's content. Checks first
 * (exit 2: see checkRestoreArchive; a symlinked or non-folder target; a safety-copy folder or the
 * archive itself inside the target), then refuses while the app runs unless `force` (exit 1), then
 * confirms (false: exit 1) or returns the plan for --dry-run. Under the `userdata` lock (exit 11) it
 * extracts into a hidden folder beside the target, archives the current folder as a verified
 * `userdata_pre_restore_<UTC stamp>.tar.gz` with sidecars, and swaps the folders by two renames so
 * one complete folder always exists; the replaced folder is then deleted (the archive is the safety
 * copy). On failure or Ctrl-C before the swap the target is untouched and the staging folder removed.
 */
export async function runUserdataRestore(options: UserdataRestoreOptions, deps: RestoreDeps & { probe?: AppProbe }): Promise<RestoreResult> {
  const { log, signal } = deps;
  const started = performance.now();
  const phases = new Phases(log);
  const target = resolve(options.userdataDir);
  const checked = await phases.run('checking the archive', () => checkRestoreArchive(options.archive, { family: 'userdata', force: false, skip: USERDATA_EXCLUDES, signal, key: deps.archiveKey }));
  const current = await inspectTarget(target);
  if (isInside(options.preRestoreDir, target)) throw new UsageError(`The safety-copy folder ${options.preRestoreDir} is inside the userData folder ${target}, which is about to be replaced; nothing was changed.`, { hint: 'Set PRE_RESTORE_BACKUP_DIR (or BACKUP_DIR) to a folder outside it.' });
  if (isInside(checked.path, target)) throw new UsageError(`The archive ${checked.path} is inside the userData folder it would replace; nothing was changed.`, { hint: 'Move the archive (and its sidecars) out of the folder first.' });
  const warnings = [...checked.warnings];
  if (current.state === 'folder') await refuseWhileRunning(target, options.force, deps.probe, warnings);
  for (const w of warnings) log.warn(w);
  const skipped = checked.listing.entries.filter((e) => USERDATA_EXCLUDES.has(e.path)).map((e) => e.path);
  if (skipped.length > 0) log.info(`Leaving out the app's runtime lock entries: ${skipped.join(', ')}.`);
  const safetyBackup = current.state === 'folder' ? archivePath(options.preRestoreDir, 'userdata-pre-restore', deps.now(), deps.encryption !== undefined) : null;
  const plan: RestorePlan = {
    kind: 'userdata',
    ...planBase(checked),
    target,
    stop: [],
    start: [],
    safetyBackup,
    verify: 'set the folder to mode 0700; start the app yourself',
    steps: [
      'take the userdata lock',
      'extract the archive into a hidden folder beside the target',
      ...(safetyBackup ? [`archive the current folder to ${safetyBackup} (verified, with .sha256 and .manifest.json)`] : []),
      safetyBackup ? 'rename the current folder aside and the restored one into place, then delete the old one' : 'rename the restored folder into place',
    ],
    warnings,
  };
  if (options.dryRun) return dryRunResult(plan, phases.timings, performance.now() - started);
  if (!(await deps.confirm(plan))) throw new DeclinedError();

  const lock = await acquireLock({ dir: deps.lockDir, target: userdataLockTarget(target), command: 'restore userdata', signal, log });
  return withCleanup(async (stack) => {
    stack.defer('release the userdata lock', () => lock.release());
    const now = await inspectTarget(target);
    if (now.state === 'folder') await refuseWhileRunning(target, options.force, deps.probe, []);
    // As root on a user's folder, the staging, swap and removals beside it run as that folder's owner.
    const as = ownerToActAs(dirname(target));
    const staging = siblingPath(target, 'restore');
    stack.defer('remove the staging folder', async () => void (await removeTree(staging, as)));
    await phases.run('extracting the archive into a staging folder', () => extractToStaging(checked, staging, { skip: USERDATA_EXCLUDES, signal, as }));
    let safety: string | null = null;
    if (now.state === 'folder') {
      const stored = await phases.run('taking the safety copy of the current folder', async () => {
        const source = await folderTar(target, { as: ownerToActAs(target), exclude: USERDATA_EXCLUDES, onWarning: (m) => log.warn(`A file changed or vanished while it was read: ${m}`) });
        // A read error before the writer's pipeline listens must not be an uncaught exception.
        source.on('error', () => undefined);
        try {
          return await storeBackup({
            dir: options.preRestoreDir,
            encryption: deps.encryption,
            facts: { kind: 'userdata-pre-restore', createdAt: deps.now(), host: deps.hostname, toolVersion: deps.toolVersion, source: { dir: target, excluded: [...USERDATA_EXCLUDES], restoring: checked.path }, warnings: [`Pre-restore safety copy, taken before restoring ${checked.path}.`] },
            source,
            // Never prune here: the safety copies are what an operator falls back on after an incident.
            policy: { keepMin: 1 },
            now: deps.now,
            log,
            signal,
          });
        } finally {
          source.destroy();
        }
      });
      safety = stored.written.path;
      log.info(`Safety copy written and verified: ${safety}`);
    }
    const aside = await phases.run('moving the restored folder into place', () => swapIn(target, staging, now.state === 'folder', as));
    if (aside && !(await removeTree(aside, as))) {
      warnings.push(`The replaced folder could not be deleted; remove it by hand: ${aside}`);
      log.warn(warnings.at(-1)!);
    }
    return {
      kind: 'userdata',
      archive: checked.path,
      safetyBackup: safety,
      durationMs: Math.round(performance.now() - started),
      dryRun: false,
      sha256: checked.sha256,
      checksum: checked.sidecar === 'match' ? 'verified' : 'missing',
      target,
      stopped: [],
      started: [],
      phases: phases.timings,
      warnings,
    };
  });
}
