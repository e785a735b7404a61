import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ownerToActAs } from '../fs/identity.js';
import { detectRunningApp, USERDATA_EXCLUDES, type AppProbe } from '../stack/app-running.js';
import { archivePath } from '../backup-store/naming.js';
import { DeclinedError, OpsError, UsageError } from '../errors.js';
import { withCleanup } from '../run/cleanup.js';
import { acquireLock } from '../run/lock.js';
import { userdataLockTarget } from '../run/target-lock.js';
import { checkRestoreArchive } from '../backup-store/check-archive.js';
import { Phases } from './phases.js';
import { dryRunResult, folderRestoreResult, planBase, type RestoreDeps, type RestorePlan, type RestoreResult } from './restore-result.js';
import { restoreFolderBySwap } from './folder-swap-restore.js';
import { inspectTarget } from './userdata-swap.js';

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
    const { safety, warnings: swapWarnings } = await restoreFolderBySwap(
      {
        checked,
        target,
        exists: now.state === 'folder',
        as,
        skip: USERDATA_EXCLUDES,
        noun: 'the current folder',
        safetyFacts: { kind: 'userdata-pre-restore', host: deps.hostname, toolVersion: deps.toolVersion, source: { dir: target, excluded: [...USERDATA_EXCLUDES], restoring: checked.path }, warnings: [`Pre-restore safety copy, taken before restoring ${checked.path}.`] },
        preRestoreDir: options.preRestoreDir,
      },
      { stack, phases, log, now: deps.now, encryption: deps.encryption, signal },
    );
    warnings.push(...swapWarnings);
    return folderRestoreResult('userdata', checked, { target, safetyBackup: safety, durationMs: Math.round(performance.now() - started), phases: phases.timings, warnings });
  });
}
