import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../../format-bytes.js';
import { projectsOf, scanProject } from '../../stack/projects.js';
import { ok, skip, warn, type Check } from '../types.js';

const MB = 1024 * 1024;

/** warnLimitBytes reads AUTO_CODEX_TASK_LOG_WARN_MB (default 50; unparsable or ≤ 0 → the default). */
export function warnLimitBytes(env: Readonly<Record<string, string | undefined>> | undefined): number {
  const n = Number(env?.AUTO_CODEX_TASK_LOG_WARN_MB);
  return (Number.isFinite(n) && n > 0 ? n : 50) * MB;
}

// The app's own rule (app-rules.md §3): unset → 2000, negative or unparsable → 0, 0 = no pruning.
function maxEntries(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 2000;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

// The app reads the variable from its environment or the project's `.auto-codex/.env`.
async function projectMaxEntries(project: string, env: Readonly<Record<string, string | undefined>> | undefined): Promise<{ value: number; set: boolean }> {
  const text = await readFile(join(project, '.auto-codex', '.env'), 'utf8').catch(() => '');
  const line = text.split('\n').map((l) => /^\s*(?:export\s+)?AUTO_CODEX_TASK_LOG_MAX_ENTRIES\s*=\s*['"]?([^'"\s#]*)/.exec(l)?.[1]).filter((v) => v !== undefined).at(-1);
  const raw = env?.AUTO_CODEX_TASK_LOG_MAX_ENTRIES ?? line;
  return { value: maxEntries(raw), set: raw !== undefined };
}

/**
 * task-logs (issue 19, runbook "Task Logs Retention"): for each project of `<userData>/store/projects.json`,
 * warns when a spec's `task_logs.json` exceeds AUTO_CODEX_TASK_LOG_WARN_MB (default 50), naming the
 * project and spec, and when AUTO_CODEX_TASK_LOG_MAX_ENTRIES is unset, 0 or invalid (environment or the
 * project's `.auto-codex/.env`) while
 * logs are over half that limit. Skipped when no project is known.
 */
export const taskLogsCheck: Check = {
  id: 'task-logs',
  group: 'backups',
  title: 'task log growth',
  async run(ctx) {
    const listed = await projectsOf(ctx.config.userdataDir);
    if (!listed.paths.length) return skip(listed.problem ? `No project list (${listed.problem})` : 'The app knows no projects');
    const limit = warnLimitBytes(ctx.env);
    const over: string[] = [];
    const unpruned: string[] = [];
    let largest = 0;
    for (const project of listed.paths) {
      const scan = await scanProject(project);
      const big = scan.taskLogs.filter((t) => t.bytes > limit);
      for (const t of big) over.push(`${project} spec ${t.spec}: ${formatBytes(t.bytes)}`);
      const max = Math.max(0, ...scan.taskLogs.map((t) => t.bytes));
      largest = Math.max(largest, max);
      if (max > limit / 2) {
        const entries = await projectMaxEntries(project, ctx.env);
        if (!entries.set || entries.value === 0) unpruned.push(project);
      }
    }
    const hint = 'Set AUTO_CODEX_TASK_LOG_MAX_ENTRIES (e.g. 2000) so the app prunes old entries; copy the project .auto-codex/ folder first, then delete old specs by hand (README "Task logs").';
    if (over.length) return warn(`task_logs.json over ${formatBytes(limit)}: ${over.join('; ')}`, hint);
    if (unpruned.length) return warn(`AUTO_CODEX_TASK_LOG_MAX_ENTRIES is unset or 0 while task logs are large in ${unpruned.join(', ')}`, hint);
    return ok(`${listed.paths.length} project(s); largest task_logs.json ${formatBytes(largest)} (limit ${formatBytes(limit)})`);
  },
};
