import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readTextNoFollow } from '../fs/read-no-follow.js';

/** The app's project list, `<userData>/store/projects.json` (app-rules.md §4). */
export function projectsFile(userdataDir: string): string {
  return join(userdataDir, 'store', 'projects.json');
}

/**
 * projectsOf reads the app's project list (`{projects:[{id, name, path, autoBuildPath, …}]}`);
 * a missing or unreadable list is no projects, with the reason (callers say "name them with --project").
 * As root in a user's folder the list is read without following a link the user put in its place.
 */
export async function projectsOf(userdataDir: string): Promise<{ paths: string[]; problem?: string }> {
  const file = projectsFile(userdataDir);
  try {
    const doc = JSON.parse(await readTextNoFollow(file)) as { projects?: Array<{ path?: unknown }> } | null;
    const list = Array.isArray(doc?.projects) ? doc.projects : [];
    return { paths: list.map((p) => p?.path).filter((p): p is string => typeof p === 'string' && p !== '') };
  } catch (err) {
    return { paths: [], problem: `${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** targetProjects: the `--project` folders (resolved) when given, else the app's list. */
export async function targetProjects(given: readonly string[], userdataDir: string): Promise<{ paths: string[]; problem?: string }> {
  if (given.length) return { paths: [...new Set(given.map((p) => resolve(p)))] };
  return projectsOf(userdataDir);
}

/** One spec's `task_logs.json` (at the spec root, app-rules.md §3). */
export interface TaskLogFile {
  spec: string;
  path: string;
  bytes: number;
}

/** What a project's `.auto-codex/` holds; `state` says whether the folders exist. */
export interface ProjectScan {
  path: string;
  /** `unreadable`: this user may not look inside (e.g. another user's 0700 folder). */
  state: 'ok' | 'missing' | 'not-a-folder' | 'no-auto-codex' | 'unreadable';
  /** Bytes of regular files under `.auto-codex/` (links not followed). */
  bytes: number;
  specs: number;
  taskLogs: TaskLogFile[];
}

// lstat only: as root on a user's folder, a link is never followed (it counts as a link, no size).
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else if (e.isFile()) total += (await lstat(p).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/** scanProject measures a project's `.auto-codex/`: size, number of specs, each spec's task_logs.json. */
export async function scanProject(path: string): Promise<ProjectScan> {
  const base: ProjectScan = { path, state: 'ok', bytes: 0, specs: 0, taskLogs: [] };
  const st = await lstat(path).catch(() => undefined);
  if (!st) return { ...base, state: 'missing' };
  if (!st.isDirectory()) return { ...base, state: 'not-a-folder' };
  const dot = join(path, '.auto-codex');
  const dst = await lstat(dot).catch((err: NodeJS.ErrnoException) => err);
  if (dst instanceof Error) return { ...base, state: dst.code === 'EACCES' || dst.code === 'EPERM' ? 'unreadable' : 'no-auto-codex' };
  if (!dst.isDirectory()) return { ...base, state: 'no-auto-codex' };
  const specsDir = join(dot, 'specs');
  const specs = (await readdir(specsDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
  const taskLogs: TaskLogFile[] = [];
  for (const s of specs) {
    const file = join(specsDir, s.name, 'task_logs.json');
    const fst = await lstat(file).catch(() => undefined);
    if (fst?.isFile()) taskLogs.push({ spec: s.name, path: file, bytes: fst.size });
  }
  return { ...base, bytes: await treeBytes(dot), specs: specs.length, taskLogs };
}
