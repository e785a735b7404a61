import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { projectLabel } from '../backup-store/naming.js';
import { detectRunningApp, type AppProbe } from './app-running.js';

// What a project backup takes and what a project restore replaces: `<project>/.auto-codex/`
// (app-rules.md §3: specs, each spec's task_logs.json at its root, `logs/` below it). Both the
// backup and the restore use case read these rules from here.

/** The folder the app keeps a project's specs and task logs in. */
export const AUTO_CODEX = '.auto-codex';

/** What a project backup holds: the whole `.auto-codex/`, or only the task logs (`--logs-only`). */
export type ProjectSubset = 'full' | 'logs-only';

/** autoCodexDir is `<project>/.auto-codex`. */
export function autoCodexDir(project: string): string {
  return join(project, AUTO_CODEX);
}

/** labelOfProject is the filename-safe label of a project folder (CONTRACT: its basename). */
export function labelOfProject(project: string): string {
  return projectLabel(basename(project));
}

/** What is at a project path, without following a link anywhere. */
export type ProjectPlace = 'ok' | 'missing' | 'not-a-folder' | 'no-auto-codex' | 'auto-codex-not-a-folder';

/** projectPlace tells whether the project folder and its `.auto-codex/` are real folders (lstat only). */
export async function projectPlace(project: string): Promise<ProjectPlace> {
  const st = await lstat(project).catch(() => undefined);
  if (!st) return 'missing';
  if (!st.isDirectory()) return 'not-a-folder';
  const dot = await lstat(autoCodexDir(project)).catch(() => undefined);
  if (!dot) return 'no-auto-codex';
  return dot.isDirectory() ? 'ok' : 'auto-codex-not-a-folder';
}

/**
 * logsOnlyMembers lists, `./`-relative to `.auto-codex/`, what `--logs-only` takes: every spec's
 * `logs/` folder and its `task_logs.json` (regular files and real folders only: lstat, so a link
 * the user planted is never followed). Sorted; empty when there is nothing.
 */
export async function logsOnlyMembers(dot: string): Promise<string[]> {
  const specsDir = join(dot, 'specs');
  const specs = await lstat(specsDir).catch(() => undefined);
  if (!specs?.isDirectory()) return [];
  const members: string[] = [];
  for (const spec of (await readdir(specsDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory())) {
    const base = join(specsDir, spec.name);
    if ((await lstat(join(base, 'logs')).catch(() => undefined))?.isDirectory()) members.push(`./specs/${spec.name}/logs`);
    if ((await lstat(join(base, 'task_logs.json')).catch(() => undefined))?.isFile()) members.push(`./specs/${spec.name}/task_logs.json`);
  }
  return members.sort();
}

/** The project and subset a project archive's manifest records (`source.project`, `source.subset`). */
export interface ProjectOrigin {
  project?: string;
  subset?: ProjectSubset;
}

/** projectOrigin reads the project part of a manifest's `source`; pure, tolerant of older or foreign manifests. */
export function projectOrigin(manifest: object | undefined): ProjectOrigin {
  const source = (manifest as { source?: unknown } | undefined)?.source;
  if (!source || typeof source !== 'object') return {};
  const { project, subset } = source as { project?: unknown; subset?: unknown };
  return {
    ...(typeof project === 'string' && project.startsWith('/') ? { project } : {}),
    ...(subset === 'full' || subset === 'logs-only' ? { subset } : {}),
  };
}

/**
 * taskActivity tells whether something works in a project's `.auto-codex/` now. The app leaves no
 * marker for a running task (it writes task_logs.json by temp file and rename, app-rules.md §3), so
 * this is the one thing that can be seen: a process holding a file open under `.auto-codex/`
 * (/proc on Linux, lsof on macOS), as for userData (app-running.ts).
 */
export async function taskActivity(dot: string, probe?: AppProbe): Promise<{ busy: boolean; detail: string }> {
  const state = await detectRunningApp(dot, { ...probe, byName: probe?.byName ?? (async () => undefined) });
  return { busy: state.state === 'running', detail: state.detail };
}
