import type { InstallResult, OldLineReport, ShownJob } from '../core/schedule/run-schedule.js';

const oldLine = (l: OldLineReport) => `  ${l.source}: ${l.line.trim()}`;

/** renderInstall is the human result of `schedule install`. */
export function renderInstall(r: InstallResult): string {
  const out = [`${r.dryRun ? 'Would install' : 'Installed'} ${r.jobs.length} job(s) for ${r.root} in ${r.where} (${r.target}):`];
  for (const j of r.jobs) out.push(`  ${j.id.padEnd(9)} ${j.schedule.padEnd(16)} ${j.command}`);
  if (r.unavailable.length) out.push(`Not scheduled (this build has no such command): ${r.unavailable.join(', ')}.`);
  if (r.replaced.length) {
    out.push(`${r.dryRun ? 'Would replace' : 'Replaced'} ${r.replaced.length} line(s) of the old scripts:`, ...r.replaced.map(oldLine));
    if (r.savedCopies.length) out.push(`Copies saved first: ${r.savedCopies.join(', ')} (\`schedule remove --restore-old\` puts the lines back).`);
  } else if (r.oldLines.length) {
    out.push(`Old scripts are still scheduled (they archive an empty volume on trapped installs); --replace-old replaces them:`, ...r.oldLines.map(oldLine));
  }
  if (r.notCarried.length) out.push(`Not carried onto the new jobs (set them in ${r.root}/.env): ${r.notCarried.join(', ')}.`);
  if (r.removedElsewhere.length) out.push(`Removed this root's earlier jobs from: ${r.removedElsewhere.join(', ')}.`);
  return out.join('\n');
}

/** renderShow is the human result of `schedule show`. */
export function renderShow(r: { root: string; jobs: ShownJob[]; oldLines: OldLineReport[] }): string {
  const out = r.jobs.length ? [`Jobs for ${r.root}:`] : [`No autocodex-ops jobs for ${r.root}; \`autocodex-ops schedule install\` adds them.`];
  for (const j of r.jobs) {
    const last = j.lastRun ? `last ran ${j.lastRun.time} (${j.lastRun.outcome}, exit ${j.lastRun.exitCode})` : 'never ran';
    out.push(`  ${j.id.padEnd(9)} ${j.schedule.padEnd(16)} ${j.where}; ${last}`);
  }
  if (r.oldLines.length) out.push('Old scripts still scheduled:', ...r.oldLines.map(oldLine));
  return out.join('\n');
}

/** renderRemove is the human result of `schedule remove`. */
export function renderRemove(r: { root: string; removed: { where: string }[]; restored: { source: string; line: string }[] }): string {
  const out = [r.removed.length ? `Removed the jobs of ${r.root} from ${r.removed.map((x) => x.where).join(', ')}.` : `No autocodex-ops jobs for ${r.root} were installed; nothing removed.`];
  if (r.restored.length) out.push(`Restored ${r.restored.length} old line(s):`, ...r.restored.map((l) => `  ${l.source}: ${l.line}`));
  return out.join('\n');
}
