import { join } from 'node:path';
import { OpsError, PrerequisiteError, UsageError } from '../errors.js';
import type { AppState } from '../stack/app-running.js';
import type { SourceFs } from './source-fs.js';
import {
  CARRY_OVER,
  describeVersion,
  readSourceVersion,
  safetyCopyPath,
  sameRelease,
  sourceLayout,
  type SourceLayout,
  type SourceVersion,
} from './source-layout.js';

/** What `rollback source` is asked to do. */
export interface SourceRollbackOptions {
  to: 'bundled' | 'previous';
  userdataDir: string;
  /** Go ahead although the app's singleton lock says it may be running. */
  force: boolean;
}

/** What planning reads: the file system, the app's singleton lock (detectRunningApp) and the clock (for the safety copy's name). */
export interface SourcePlanDeps {
  fs: SourceFs;
  appState(userdataDir: string): Promise<AppState>;
  now(): Date;
}

/** The plan of a source rollback: what is replaced by what, where the safety copy goes, in steps people can read. */
export interface SourcePlan {
  kind: 'source';
  to: 'bundled' | 'previous';
  layout: SourceLayout;
  /** The override being replaced (absent when the app already runs its bundled source). */
  current?: SourceVersion;
  /** What the app will run afterwards: the updater's backup, or undefined for the bundled source. */
  target?: SourceVersion;
  /** Where the replaced override is moved. */
  safetyCopy?: string;
  /** Items of the current override copied into the new one. */
  carryOver: string[];
  appState: AppState;
  steps: string[];
  warnings: string[];
}

/**
 * checkAppNotRunning refuses (OpsError, exit 1) while the app's singleton lock says it runs or
 * cannot tell (a lock from another host), unless `force`; it returns the state and, when going
 * ahead anyway, a warning to show.
 */
export async function checkAppNotRunning(options: SourceRollbackOptions, deps: Pick<SourcePlanDeps, 'appState'>): Promise<{ appState: AppState; warning?: string }> {
  const appState = await deps.appState(options.userdataDir);
  if (appState.state === 'not-running') return { appState };
  const what = appState.state === 'running' ? 'Auto Codex is running' : 'Auto Codex may be running';
  if (!options.force) {
    throw new OpsError(`Refusing to replace the source: ${what} (${appState.detail}).`, {
      hint: 'Quit Auto Codex and run this again; pass --force only if you are sure it is not running (the app reads its source at start-up).',
    });
  }
  return { appState, warning: `Going ahead with --force although ${what} (${appState.detail}).` };
}

/**
 * planSourceRollback inspects the userData folder without changing it. It rejects with
 * PrerequisiteError (exit 10) when the folder is missing, UsageError (exit 2) when there is nothing to
 * roll back to, and OpsError (exit 1) while the app runs without `force`.
 */
export async function planSourceRollback(options: SourceRollbackOptions, deps: SourcePlanDeps): Promise<SourcePlan> {
  const { fs } = deps;
  const layout = sourceLayout(options.userdataDir);
  if ((await fs.kind(layout.userdataDir)) !== 'dir') {
    throw new PrerequisiteError(`The userData folder ${layout.userdataDir} does not exist.`, {
      hint: 'Point to it with --userdata-dir or USERDATA_DIR (Linux: ~/.config/Auto Codex, macOS: ~/Library/Application Support/Auto Codex).',
    });
  }
  const { appState, warning } = await checkAppNotRunning(options, deps);
  const warnings = warning ? [warning] : [];
  const hasOverride = (await fs.kind(layout.source)) !== undefined;
  const current = hasOverride ? await readSourceVersion(fs, layout.source) : undefined;
  const safetyCopy = hasOverride ? await safetyCopyPath(fs, layout, deps.now()) : undefined;

  if (options.to === 'bundled') {
    if (!current || !safetyCopy) {
      throw new UsageError(`Nothing to roll back: ${layout.source} does not exist, so the app already runs its bundled source.`);
    }
    return {
      kind: 'source',
      to: 'bundled',
      layout,
      current,
      safetyCopy,
      carryOver: [],
      appState,
      steps: [`Move ${layout.source} (${describeVersion(current)}) to ${safetyCopy}; the app falls back to its bundled source.`],
      warnings,
    };
  }

  if ((await fs.kind(layout.updaterBackup)) !== 'dir' || (await fs.readdir(layout.updaterBackup)).length === 0) {
    throw new UsageError(`Nothing to roll back to: the updater's backup ${layout.updaterBackup} does not exist or is empty.`, {
      hint: 'The updater makes it when it installs an update. To drop the override instead, use --to bundled.',
    });
  }
  const target = await readSourceVersion(fs, layout.updaterBackup);
  if (current && sameRelease(current, target)) {
    throw new UsageError(`Nothing to roll back to: ${layout.source} already is ${describeVersion(current)}, the same as the updater's backup.`, {
      hint: 'To drop the override and run the bundled source, use --to bundled.',
    });
  }
  const carryOver: string[] = [];
  if (current) for (const item of CARRY_OVER) if ((await fs.kind(join(layout.source, item))) !== undefined) carryOver.push(item);
  if (!current) {
    warnings.push(`There is no current override, so no .env or specs/ to carry over; the updater's backup has none: copy your auto-codex .env into ${layout.source} before starting the app.`);
  }
  const steps = [`Copy the updater's backup ${layout.updaterBackup} (${describeVersion(target)}) to a staging folder in ${layout.rollbacks}; the backup itself stays.`];
  if (carryOver.length) steps.push(`Copy ${carryOver.map((i) => (i === 'specs' ? 'specs/' : i)).join(' and ')} of the current override into the staging folder (the updater's backup has neither).`);
  if (current) steps.push(`Move ${layout.source} (${describeVersion(current)}) to ${safetyCopy}.`);
  steps.push(`Move the staging folder to ${layout.source}.`);
  return { kind: 'source', to: 'previous', layout, current, target, safetyCopy, carryOver, appState, steps, warnings };
}
