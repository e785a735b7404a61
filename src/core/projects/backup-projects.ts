import { isAbsolute, relative, resolve } from 'node:path';
import { folderSize, folderTar } from '../archive/folder-tar.js';
import type { BackupKind } from '../backup-store/naming.js';
import type { RetentionPolicy } from '../backup-store/prune.js';
import { storeBackup, type BackupDeps } from '../backup-store/store-backup.js';
import { unsafeEntries } from '../backup-store/entry-rules.js';
import { InterruptedError, OpsError, PrerequisiteError, UsageError } from '../errors.js';
import { ownerToActAs } from '../fs/identity.js';
import { acquireLock } from '../run/lock.js';
import { projectLockTarget } from '../run/target-lock.js';
import type { AppProbe } from '../stack/app-running.js';
import { projectsOf } from '../stack/projects.js';
import { autoCodexDir, labelOfProject, logsOnlyMembers, projectPlace, taskActivity, type ProjectSubset } from '../stack/project-content.js';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';

/** What `backup project` backs up, where to, and how. */
export interface ProjectBackupOptions {
  /** Absolute project folders, in order (duplicates already removed). */
  projects: readonly string[];
  outputDir: string;
  subset: ProjectSubset;
  policy: RetentionPolicy;
  /** Seconds to wait for another run's lock on the same project (0: that project fails at once). */
  waitSeconds: number;
}

/** One project's outcome; `ok` rows carry the stored archive as `backup falkordb|userdata` report theirs. */
export interface ProjectBackupRow {
  project: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  reason?: string;
  /** Exit code of the failure (2 usage, 10 prerequisite, 11 lock held, 1 other). */
  exitCode?: number;
  kind?: BackupKind;
  archive?: string;
  sha256?: string;
  bytes?: number;
  uncompressedBytes?: number;
  entries?: number;
  sidecars?: string[];
  encrypted?: boolean;
  durationMs?: number;
  pruned?: string[];
  pruneFailures?: Array<{ path: string; message: string }>;
  warnings: string[];
}

/** `backup project --json`: every project's row, and how many failed (exit 1 when any did). */
export interface ProjectBackupReport {
  kind: 'project';
  subset: ProjectSubset;
  outputDir: string;
  durationMs: number;
  projects: ProjectBackupRow[];
  failed: number;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

const PLACE_PROBLEM: Record<string, string> = {
  missing: 'the project folder does not exist',
  'not-a-folder': 'the project path is not a folder',
  'auto-codex-not-a-folder': '.auto-codex is not a folder (a link or a file); it is never followed',
};

/**
 * runProjectBackups backs up each project's `.auto-codex/` (or, with `logs-only`, every spec's
 * `logs/` and `task_logs.json`) into `<output>/project_<label>_<UTC stamp>.tar.gz` through
 * storeBackup (atomic, 0600, verified read-back, sidecars, the manifest naming the project and
 * subset), under that project's lock, then applies retention to that project's archives only.
 * Projects are done one after the other and independently: a missing folder or a failure is a
 * `failed` row and the next project goes on; a project without `.auto-codex/` (or with no task
 * logs for `logs-only`) is `skipped` with the reason. Only an interruption rejects (InterruptedError).
 */
export async function runProjectBackups(options: ProjectBackupOptions, deps: BackupDeps & { probe?: AppProbe }): Promise<ProjectBackupReport> {
  const started = deps.now();
  // Before the lock and before anything is stopped or streamed: a folder root may not write into (safe-output-dir.ts).
  assertSafeOutputDir(options.outputDir, 'the backup folder');
  const rows: ProjectBackupRow[] = [];
  for (const project of options.projects) {
    try {
      rows.push(await backupOne(project, options, deps));
    } catch (err) {
      if (err instanceof InterruptedError || deps.signal?.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      deps.log.warn(`${project}: backup failed: ${message}`);
      rows.push({ project, status: 'failed', reason: message, exitCode: err instanceof OpsError ? err.exitCode : 1, warnings: [] });
    }
  }
  return {
    kind: 'project',
    subset: options.subset,
    outputDir: options.outputDir,
    durationMs: deps.now().getTime() - started.getTime(),
    projects: rows,
    failed: rows.filter((r) => r.status === 'failed').length,
  };
}

async function backupOne(project: string, options: ProjectBackupOptions, deps: BackupDeps & { probe?: AppProbe }): Promise<ProjectBackupRow> {
  const { log } = deps;
  const place = await projectPlace(project);
  if (place === 'no-auto-codex') {
    log.info(`${project}: no .auto-codex/ folder; skipped.`);
    return { project, status: 'skipped', reason: 'no .auto-codex/ folder (the app has not worked on this project yet)', warnings: [] };
  }
  if (place !== 'ok') {
    log.warn(`${project}: ${PLACE_PROBLEM[place]}; skipped.`);
    return { project, status: 'failed', reason: PLACE_PROBLEM[place], exitCode: place === 'missing' ? 10 : 2, warnings: [] };
  }
  const dot = autoCodexDir(project);
  if (isInside(options.outputDir, dot)) {
    return { project, status: 'failed', reason: `the backup folder ${options.outputDir} is inside ${dot}; the archive would contain itself`, exitCode: 2, warnings: [] };
  }
  const lock = await acquireLock({ dir: deps.lockDir, target: projectLockTarget(project), command: 'backup project', waitSeconds: options.waitSeconds, signal: deps.signal, log });
  try {
    const members = options.subset === 'logs-only' ? await logsOnlyMembers(dot) : undefined;
    if (members?.length === 0) {
      log.info(`${project}: no task logs under .auto-codex/specs/; skipped.`);
      return { project, status: 'skipped', reason: 'no task logs (no specs/*/logs/ or task_logs.json) to back up', warnings: [] };
    }
    const warnings: string[] = [];
    const activity = await taskActivity(dot, deps.probe);
    // Not a refusal: the app writes task_logs.json by temp file and rename, so each file copied is whole.
    if (activity.busy) warnings.push(`Something works in this project now (${activity.detail}); files written during the backup may be from different moments.`);
    const startedAt = deps.now();
    log.info(`Project ${project}: ${options.subset === 'logs-only' ? 'task logs of .auto-codex/' : '.auto-codex/'}`);
    if (deps.progress) deps.progress.start(await folderSize(dot));
    const source = await folderTar(dot, {
      as: ownerToActAs(dot),
      ...(members ? { members } : {}),
      onWarning: (m) => warnings.push(`A file changed or vanished while it was read and was skipped: ${m}`),
    });
    // A read error before the writer's pipeline listens must not be an uncaught exception.
    source.on('error', () => undefined);
    try {
      const stored = await storeBackup({
        dir: options.outputDir,
        encryption: deps.encryption,
        facts: {
          kind: 'project',
          label: labelOfProject(project),
          createdAt: startedAt,
          host: deps.hostname,
          toolVersion: deps.toolVersion,
          source: { project, dir: dot, subset: options.subset, ...(members ? { members } : {}), activity: activity.detail },
          warnings,
        },
        source,
        policy: options.policy,
        now: deps.now,
        log,
        signal: deps.signal,
        onProgress: (n) => deps.progress?.update(n),
        onSourceEnd: () => deps.progress?.stop(),
        // Kept, but said: `restore project` refuses links that leave the folder (absolute, `..`).
        inspect: (listing) => {
          const unsafe = unsafeEntries(listing.entries);
          if (unsafe.length > 0) warnings.push(`restore project will refuse this archive as it is (${unsafe.length} entr${unsafe.length === 1 ? 'y' : 'ies'} pointing outside .auto-codex/, e.g. ${unsafe[0]}); extract it by hand if needed`);
        },
      });
      for (const w of warnings) log.warn(`${project}: ${w}`);
      const { written } = stored;
      const failures = stored.retention?.failures ?? [];
      return {
        project,
        status: 'ok',
        kind: 'project',
        archive: written.path,
        sha256: written.sha256,
        bytes: written.bytes,
        uncompressedBytes: written.tarBytes,
        entries: written.listing.entries.length,
        sidecars: written.sidecars,
        encrypted: written.encryption !== undefined,
        durationMs: deps.now().getTime() - startedAt.getTime(),
        pruned: stored.retention?.removed ?? [],
        ...(failures.length > 0 ? { pruneFailures: failures } : {}),
        warnings,
      };
    } finally {
      deps.progress?.stop();
      source.destroy();
    }
  } finally {
    await lock.release();
  }
}

/**
 * selectProjects decides which projects `backup project` takes: the folders named (resolved against
 * `cwd`, duplicates dropped), or with `all` the app's list in `<userData>/store/projects.json`.
 * Neither or both is a UsageError (exit 2); an unreadable app list with `all` is a
 * PrerequisiteError (exit 10) naming it.
 */
export async function selectProjects(options: { dirs: readonly string[]; all: boolean; userdataDir: string; cwd: string }): Promise<string[]> {
  if (options.all === (options.dirs.length > 0)) {
    throw new UsageError(options.all ? 'Give either project folders or --all, not both.' : 'Name the project folders to back up, or pass --all for every project the app knows.', {
      hint: 'autocodex-ops backup project ~/code/my-app   or   autocodex-ops backup project --all',
    });
  }
  if (!options.all) return [...new Set(options.dirs.map((d) => resolve(options.cwd, d)))];
  const known = await projectsOf(options.userdataDir);
  if (known.problem) {
    throw new PrerequisiteError(`Cannot read the app's project list: ${known.problem}`, {
      hint: 'Set --userdata-dir (USERDATA_DIR) to the app\'s userData folder, or name the project folders instead of --all.',
    });
  }
  return [...new Set(known.paths.map((p) => resolve(p)))];
}
