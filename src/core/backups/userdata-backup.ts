import { stat } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { folderSize, folderTar } from '../archive/folder-tar.js';
import { OpsError, PrerequisiteError, UsageError } from '../errors.js';
import { acquireLock } from '../run/lock.js';
import { userdataLockTarget } from '../run/target-lock.js';
import { ownerToActAs } from '../fs/identity.js';
import { detectRunningApp, USERDATA_EXCLUDES, type AppProbe } from '../stack/app-running.js';
import { storeWiring, toBackupResult, type BackupDeps, type BackupResult } from './backup-result.js';
import type { RetentionPolicy } from '../backup-store/prune.js';
import { storeBackup } from '../backup-store/store-backup.js';
import { checkUserdataSource } from './userdata-source.js';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';

/** What `backup userdata` backs up, where to, and how. */
export interface UserdataBackupOptions {
  userdataDir: string;
  outputDir: string;
  policy: RetentionPolicy;
  /** Back up even while the app runs, or a folder holding none of the app's files. */
  force: boolean;
  /** Seconds to wait for another run's lock (0: fail at once with exit 11). */
  waitSeconds: number;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function requireFolder(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st?.isDirectory()) return;
  throw new PrerequisiteError(st ? `The userData path is not a folder: ${dir}` : `userData folder not found: ${dir}`, {
    hint: 'Set --userdata-dir or USERDATA_DIR to the app\'s userData folder (macOS ~/Library/Application Support/Auto Codex, Linux ~/.config/Auto Codex, Windows %APPDATA%\\Auto Codex); start the app once to create it.',
  });
}

/**
 * runUserdataBackup archives the Electron userData folder (tar of `./` entries, runtime
 * single-instance files left out) into `<output>/userdata_<UTC stamp>.tar.gz` with sidecars,
 * verified before it is published, then applies retention. It takes the `userdata` lock (exit 11
 * when held) and refuses while the app runs unless `force`. Rejects with PrerequisiteError
 * (exit 10) when the folder is missing, empty, or (unless `force`) holds none of the app's files, UsageError (exit 2) when the output folder lies inside
 * it, OpsError (exit 1) when the app runs, and as storeBackup does; nothing partial is left.
 */
export async function runUserdataBackup(options: UserdataBackupOptions, deps: BackupDeps & { probe?: AppProbe }): Promise<BackupResult> {
  const { log, signal } = deps;
  // Before the lock and before anything is stopped or streamed: a folder root may not write into (safe-output-dir.ts).
  assertSafeOutputDir(options.outputDir, 'the backup folder');
  await requireFolder(options.userdataDir);
  if (isInside(options.outputDir, options.userdataDir)) {
    throw new UsageError(`The backup folder ${options.outputDir} is inside the userData folder ${options.userdataDir}; the archive would contain itself.`, {
      hint: 'Choose an --output-dir (BACKUP_DIR) outside the userData folder.',
    });
  }
  // Before the lock and before anything is written: an empty or foreign folder is exit 10.
  const sourceWarnings = await checkUserdataSource(options.userdataDir, { force: options.force, ignore: USERDATA_EXCLUDES });
  for (const w of sourceWarnings) log.warn(w);
  const lock = await acquireLock({ dir: deps.lockDir, target: userdataLockTarget(options.userdataDir), command: 'backup userdata', waitSeconds: options.waitSeconds, signal, log });
  try {
    const warnings: string[] = [...sourceWarnings];
    const app = await detectRunningApp(options.userdataDir, deps.probe);
    if (app.state !== 'not-running') {
      if (!options.force) {
        throw new OpsError(`Auto Codex seems to be running (${app.detail}); a backup now could copy half-written files.`, {
          hint: 'Quit the app and run the backup again, or pass --force to back up anyway.',
        });
      }
      warnings.push(`Backed up with --force although the app seems to be running (${app.detail}); files being written may be inconsistent.`);
      log.warn(warnings.at(-1)!);
    }
    const startedAt = deps.now();
    log.info(`userData: ${options.userdataDir}`);
    if (deps.progress) deps.progress.start(await folderSize(options.userdataDir));
    const source = await folderTar(options.userdataDir, {
      as: ownerToActAs(options.userdataDir),
      exclude: USERDATA_EXCLUDES,
      onWarning: (message) => {
        warnings.push(`A file changed or vanished while it was read and was skipped: ${message}`);
        log.warn(warnings.at(-1)!);
      },
    });
    try {
      const stored = await storeBackup({
        dir: options.outputDir,
        encryption: deps.encryption,
        facts: {
          kind: 'userdata',
          createdAt: startedAt,
          host: deps.hostname,
          toolVersion: deps.toolVersion,
          source: { dir: options.userdataDir, excluded: [...USERDATA_EXCLUDES], app: app.detail, forced: options.force && app.state !== 'not-running' },
          warnings,
        },
        source,
        policy: options.policy,
        ...storeWiring(deps),
      });
      return toBackupResult(stored, { startedAt, finishedAt: deps.now(), warnings });
    } finally {
      deps.progress?.stop();
      source.destroy();
    }
  } finally {
    await lock.release();
  }
}
