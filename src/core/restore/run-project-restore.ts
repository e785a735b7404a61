import { lstat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { checkRestoreArchive } from '../backup-store/check-archive.js';
import { archivePath } from '../backup-store/naming.js';
import { DeclinedError, OpsError, PrerequisiteError, UsageError } from '../errors.js';
import { ownerToActAs } from '../fs/identity.js';
import { withCleanup } from '../run/cleanup.js';
import { acquireLock } from '../run/lock.js';
import { projectLockTarget } from '../run/target-lock.js';
import type { AppProbe } from '../stack/app-running.js';
import { autoCodexDir, labelOfProject, projectOrigin, taskActivity } from '../stack/project-content.js';
import { Phases } from './phases.js';
import { dryRunResult, folderRestoreResult, planBase, type RestoreDeps, type RestorePlan, type RestoreResult } from './restore-result.js';
import { restoreFolderBySwap } from './folder-swap-restore.js';
import { inspectTarget } from './userdata-swap.js';

/** How `restore project` runs. */
export interface ProjectRestoreOptions {
  archive: string;
  /** The project folder; default: the one the archive's manifest names. */
  project?: string;
  preRestoreDir: string;
  dryRun: boolean;
  /** Restore even while a process holds a file open under `.auto-codex/`. */
  force: boolean;
}

const NO_SKIP: ReadonlySet<string> = new Set();

function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function requireProjectFolder(project: string): Promise<void> {
  const st = await lstat(project).catch(() => undefined);
  if (!st) throw new PrerequisiteError(`The project folder ${project} does not exist; nothing was changed.`, { hint: 'Clone or create the project first, or pass the folder to restore into with --project <dir>.' });
  if (st.isSymbolicLink()) throw new UsageError(`The project path ${project} is a symlink; nothing was changed.`, { hint: 'Pass the folder it points to with --project (see `readlink -f`).' });
  if (!st.isDirectory()) throw new UsageError(`The project path ${project} is not a folder; nothing was changed.`, { hint: 'Check --project.' });
}

async function refuseWhileBusy(dot: string, force: boolean, probe: AppProbe | undefined, warnings: string[]): Promise<void> {
  const activity = await taskActivity(dot, probe);
  if (!activity.busy) return;
  if (!force) {
    throw new OpsError(`A task seems to be running in this project (${activity.detail}); replacing .auto-codex/ now would lose what it writes. Nothing was changed.`, {
      hint: 'Stop the task in the app and run the restore again, or pass --force if you are sure nothing runs.',
    });
  }
  warnings.push(`Restoring with --force although a process holds a file open under ${dot} (${activity.detail}).`);
}

/**
 * runProjectRestore replaces a project's `.auto-codex/` with an archive's content, as
 * runUserdataRestore does for userData: checks first (exit 2: checkRestoreArchive, a project
 * archive of the whole `.auto-codex/` (a `--logs-only` one is refused: swapping it in would drop
 * the specs), no project known, a symlinked or non-folder target; exit 10: the project folder is
 * missing), then refuses while a process holds a file open under `.auto-codex/` unless `force`
 * (exit 1), then confirms (false: exit 1) or returns the plan for --dry-run. Under the project's
 * lock (exit 11) it extracts beside the target as the project's owner (modes, times and links
 * inside kept; owners and setuid bits never), archives the current `.auto-codex/` as a verified
 * `project_pre_restore_<name>_<UTC>.tar.gz`, and swaps by two renames, so one complete
 * `.auto-codex/` exists at every moment. On failure or Ctrl-C before the swap the old folder is
 * untouched and the staging folder removed.
 */
export async function runProjectRestore(options: ProjectRestoreOptions, deps: RestoreDeps & { probe?: AppProbe }): Promise<RestoreResult> {
  const { log, signal } = deps;
  const started = performance.now();
  const phases = new Phases(log);
  const checked = await phases.run('checking the archive', () => checkRestoreArchive(options.archive, { family: 'project', force: false, signal, key: deps.archiveKey }));
  const origin = projectOrigin(checked.manifest);
  if (origin.subset === 'logs-only') {
    throw new UsageError(`The archive ${checked.path} holds only task logs (backup project --logs-only); restoring it in place of .auto-codex/ would drop the specs. Nothing was changed.`, {
      hint: `Extract the logs you need by hand, e.g. mkdir /tmp/logs && tar -xzf '${checked.path}' -C /tmp/logs, then copy them into the project's .auto-codex/specs/.`,
    });
  }
  const named = options.project ?? origin.project;
  if (!named) throw new UsageError(`The archive ${checked.path} does not say which project it belongs to (no manifest naming it); nothing was changed.`, { hint: 'Pass the project folder with --project <dir>.' });
  const project = resolve(named);
  await requireProjectFolder(project);
  const target = autoCodexDir(project);
  const current = await inspectTarget(target).catch((err: unknown) => {
    throw err instanceof UsageError ? new UsageError(err.message.replace('The userData path', 'The path'), { hint: 'Replace the link or file with a real .auto-codex/ folder, or move it away.' }) : err;
  });
  if (isInside(options.preRestoreDir, target)) throw new UsageError(`The safety-copy folder ${options.preRestoreDir} is inside ${target}, which is about to be replaced; nothing was changed.`, { hint: 'Set PRE_RESTORE_BACKUP_DIR (or BACKUP_DIR) to a folder outside it.' });
  if (isInside(checked.path, target)) throw new UsageError(`The archive ${checked.path} is inside the folder it would replace; nothing was changed.`, { hint: 'Move the archive (and its sidecars) out of the folder first.' });
  const warnings = [...checked.warnings];
  if (origin.project && origin.project !== project) warnings.push(`The archive was made from ${origin.project}; restoring it into ${project}.`);
  if (current.state === 'folder') await refuseWhileBusy(target, options.force, deps.probe, warnings);
  for (const w of warnings) log.warn(w);
  const label = labelOfProject(project);
  const safetyBackup = current.state === 'folder' ? archivePath(options.preRestoreDir, 'project-pre-restore', deps.now(), deps.encryption !== undefined, label) : null;
  const plan: RestorePlan = {
    kind: 'project',
    ...planBase(checked),
    target,
    stop: [],
    start: [],
    safetyBackup,
    verify: 'nothing to start; open the project in the app',
    steps: [
      'take the project lock',
      'extract the archive into a hidden folder beside .auto-codex/ (as the project owner)',
      ...(safetyBackup ? [`archive the current .auto-codex/ to ${safetyBackup} (verified, with .sha256 and .manifest.json)`] : []),
      safetyBackup ? 'rename the current .auto-codex/ aside and the restored one into place, then delete the old one' : 'rename the restored folder into place',
    ],
    warnings,
  };
  if (options.dryRun) return dryRunResult(plan, phases.timings, performance.now() - started);
  if (!(await deps.confirm(plan))) throw new DeclinedError();

  const lock = await acquireLock({ dir: deps.lockDir, target: projectLockTarget(project), command: 'restore project', signal, log });
  return withCleanup(async (stack) => {
    stack.defer('release the project lock', () => lock.release());
    const now = await inspectTarget(target);
    if (now.state === 'folder') await refuseWhileBusy(target, options.force, deps.probe, []);
    // As root in a user's project, the staging, swap and removals run as the project folder's owner.
    const as = ownerToActAs(project);
    const { safety, warnings: swapWarnings } = await restoreFolderBySwap(
      {
        checked,
        target,
        exists: now.state === 'folder',
        as,
        skip: NO_SKIP,
        folders: 'archived',
        noun: 'the current .auto-codex/',
        safetyFacts: {
          kind: 'project-pre-restore',
          label,
          host: deps.hostname,
          toolVersion: deps.toolVersion,
          source: { project, dir: target, subset: 'full', restoring: checked.path },
          warnings: [`Pre-restore safety copy, taken before restoring ${checked.path}.`],
        },
        preRestoreDir: options.preRestoreDir,
      },
      { stack, phases, log, now: deps.now, encryption: deps.encryption, signal },
    );
    warnings.push(...swapWarnings);
    return folderRestoreResult('project', checked, { target, safetyBackup: safety, durationMs: Math.round(performance.now() - started), phases: phases.timings, warnings });
  });
}
