import { formatBytes } from '../core/format-bytes.js';
import type { ProjectBackupReport, ProjectBackupRow } from '../core/projects/backup-projects.js';
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

/** renderProjectBackups is the human summary of `backup project`: one line per project, then the totals. */
export function renderProjectBackups(r: Omit<ProjectBackupReport, 'projects'> & { projects: Array<ProjectBackupRow & { offsite?: Record<string, unknown> }> }): string {
  if (r.projects.length === 0) return 'No projects to back up (the app knows none).';
  const lines = r.projects.map((p) => {
    if (p.status === 'ok') {
      const pruned = p.pruned && p.pruned.length > 0 ? `; retention removed ${p.pruned.length} file(s)` : '';
      const offsite = p.offsite ? (p.offsite.ok === true ? `; offsite ${String(p.offsite.url)}` : `; OFFSITE FAILED: ${String(p.offsite.error)}`) : '';
      return `ok       ${p.project} -> ${p.archive}: ${formatBytes(p.bytes ?? 0)}, ${p.entries} entries, verified; sha256 ${(p.sha256 ?? '').slice(0, 12)}…${pruned}${offsite}`;
    }
    return `${p.status === 'skipped' ? 'skipped' : 'FAILED '}  ${p.project}: ${p.reason}`;
  });
  const ok = r.projects.filter((p) => p.status === 'ok').length;
  const skipped = r.projects.filter((p) => p.status === 'skipped').length;
  lines.push(`${ok} backed up (${r.subset === 'logs-only' ? 'task logs only' : '.auto-codex/'}), ${skipped} skipped, ${r.failed} failed.`);
  return lines.join('\n');
}
