import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseProjectArchiveName, projectLabel } from '../backup-store/naming.js';
import { scanProject, targetProjects, type ProjectScan } from '../stack/projects.js';

/** One row of `projects list` (CONTRACT second wave; the `--json` shape). */
export interface ProjectRow {
  path: string;
  state: ProjectScan['state'];
  autoCodex: boolean;
  bytes: number;
  specs: number;
  largestTaskLog: { spec: string; bytes: number } | null;
  newestBackup: { name: string; at: string } | null;
}

export interface ProjectsListing {
  source: 'option' | 'projects.json';
  /** Why the app's list could not be read (then `projects` is empty). */
  problem?: string;
  projects: ProjectRow[];
}

/**
 * listProjects shows the target projects (the `--project` folders, else `<userData>/store/projects.json`)
 * with what their `.auto-codex/` holds and the newest `project_<name>_…` archive in the backup folder.
 * Read-only; a missing project is a row with state `missing`, never an error.
 */
export async function listProjects(options: { projects: readonly string[]; userdataDir: string; backupDir: string }): Promise<ProjectsListing> {
  const target = await targetProjects(options.projects, options.userdataDir);
  const names = await readdir(options.backupDir).catch(() => [] as string[]);
  const rows: ProjectRow[] = [];
  for (const path of target.paths) {
    const scan = await scanProject(path);
    const largest = scan.taskLogs.reduce<ProjectScan['taskLogs'][number] | undefined>((a, t) => (!a || t.bytes > a.bytes ? t : a), undefined);
    const label = projectLabel(basename(path));
    const newest = names
      .map((name) => ({ name, parsed: parseProjectArchiveName(name) }))
      .filter((n) => n.parsed?.label === label)
      .sort((a, b) => b.parsed!.stampedAt.getTime() - a.parsed!.stampedAt.getTime())[0];
    rows.push({
      path,
      state: scan.state,
      autoCodex: scan.state === 'ok',
      bytes: scan.bytes,
      specs: scan.specs,
      largestTaskLog: largest ? { spec: largest.spec, bytes: largest.bytes } : null,
      newestBackup: newest ? { name: newest.name, at: newest.parsed!.stampedAt.toISOString() } : null,
    });
  }
  return { source: options.projects.length ? 'option' : 'projects.json', ...(target.problem ? { problem: target.problem } : {}), projects: rows };
}
