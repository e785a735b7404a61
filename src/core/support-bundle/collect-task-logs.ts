import { lstat, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { projectsOf } from '../stack/projects.js';
import { filePart, isPart, listFiles } from './file-parts.js';
import { messageOf, reasonOf, skip, type Collected, type Collector } from './types.js';

export interface TaskLogsDeps {
  /** `--project` folders; when empty, the projects of `<userData>/store/projects.json`. */
  projects: string[];
  userdataDir: string;
  /** Only files modified at or after this time (`--since`). */
  since?: Date;
  timeoutMs: number;
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'project';

/**
 * taskLogsCollector takes each project's task logs: `.auto-codex/specs/<spec>/task_logs.json`,
 * the files under `.auto-codex/specs/<spec>/logs/`, and the same below `.worktrees/<spec>/`, as
 * cuttable logs, leaving out files older than `since`. A project folder that is gone is recorded as
 * not found; the others are still taken.
 */
export function taskLogsCollector(deps: TaskLogsDeps): Collector {
  return {
    id: 'task-logs',
    title: 'Task logs',
    timeoutMs: deps.timeoutMs,
    async collect(): Promise<Collected> {
      const out: Collected = { parts: [], skipped: [] };
      let projects = deps.projects.map((p) => resolve(p));
      if (!projects.length) {
        const listed = await projectsOf(deps.userdataDir);
        if (listed.problem) out.skipped.push(skip('projects/', join(deps.userdataDir, 'store', 'projects.json'), 'not found', `no project list: ${listed.problem}; name projects with --project`));
        projects = listed.paths;
      }
      const used = new Set<string>();
      for (const project of projects) {
        let label = safe(basename(project));
        for (let n = 2; used.has(label); n += 1) label = `${safe(basename(project))}-${n}`;
        used.add(label);
        const st = await lstat(project).catch((err: unknown) => err as Error);
        if (st instanceof Error || !st.isDirectory()) {
          out.skipped.push(skip(`projects/${label}/`, project, st instanceof Error ? reasonOf(st) : 'unreadable', st instanceof Error ? messageOf(st) : 'not a folder'));
          continue;
        }
        const roots: Array<[prefix: string, specs: string]> = [['', join(project, '.auto-codex', 'specs')]];
        for (const wt of await readdir(join(project, '.worktrees')).catch(() => [])) roots.push([`worktrees/${safe(wt)}/`, join(project, '.worktrees', wt, '.auto-codex', 'specs')]);
        let older = 0;
        let found = 0;
        for (const [prefix, specsDir] of roots) {
          const files = await listFiles(specsDir, 3).catch(() => []);
          for (const f of files) {
            const [spec, second, ...rest] = f.relative.split('/');
            const wanted = (second === 'task_logs.json' && rest.length === 0) || (second === 'logs' && rest.length > 0);
            if (!wanted) continue;
            found += 1;
            if (deps.since && f.mtime < deps.since) {
              older += 1;
              continue;
            }
            const part = await filePart(`projects/${label}/${prefix}${spec}/${[second, ...rest].join('/')}`, f.path);
            (isPart(part) ? out.parts : out.skipped).push(part as never);
          }
        }
        if (older) out.skipped.push(skip(`projects/${label}/`, project, 'excluded', `${older} of ${found} task log file(s) older than --since`));
        if (!found) out.skipped.push(skip(`projects/${label}/`, join(project, '.auto-codex', 'specs'), 'not found', 'no task logs'));
      }
      return out;
    },
  };
}
