import { formatBytes } from '../core/format-bytes.js';
import type { ProjectsListing } from '../core/projects/list-projects.js';

const STATE: Record<string, string> = { missing: 'folder missing', 'not-a-folder': 'not a folder', 'no-auto-codex': 'no .auto-codex/', unreadable: 'not readable by this user' };

/** renderProjects is the human table of `projects list`: one block per project. */
export function renderProjects(r: ProjectsListing): string {
  if (!r.projects.length) {
    return r.problem ? `No projects: ${r.problem}. Name them with --project <dir>.` : 'No projects (the app knows none). Name them with --project <dir>.';
  }
  const lines = [`${r.projects.length} project(s) (from ${r.source === 'option' ? '--project' : 'store/projects.json'}):`];
  for (const p of r.projects) {
    lines.push(`  ${p.path}`);
    if (!p.autoCodex) {
      lines.push(`    ${STATE[p.state] ?? p.state}`);
      continue;
    }
    const largest = p.largestTaskLog ? `${formatBytes(p.largestTaskLog.bytes)} (${p.largestTaskLog.spec})` : 'none';
    lines.push(`    .auto-codex/ ${formatBytes(p.bytes)}, ${p.specs} spec(s), largest task_logs.json ${largest}`);
    lines.push(`    newest backup: ${p.newestBackup ? `${p.newestBackup.name} (${p.newestBackup.at})` : 'none'}`);
  }
  return lines.join('\n');
}
