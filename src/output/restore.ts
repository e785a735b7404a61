import { formatBytes } from '../core/format-bytes.js';
import type { RestorePlan, RestoreResult } from '../core/restore/restore-result.js';

/**
 * renderPlan writes the plan as the operator reads it before saying yes: what is read, what is
 * stopped, what is wiped, where the safety copy goes, what is started and checked. Pure.
 */
export function renderPlan(plan: RestorePlan): string {
  const what = plan.kind === 'falkordb' ? 'FalkorDB volume' : plan.kind === 'project' ? "project's .auto-codex/" : 'userData folder';
  const lines = [
    `Restore plan (${what}):`,
    `  archive:        ${plan.archive}`,
    `                  ${plan.entries} entries, ${formatBytes(plan.contentBytes)}; sha256 ${plan.sha256.slice(0, 16)}… ${plan.checksum === 'verified' ? '(matches its .sha256)' : '(NO .sha256 FILE: integrity not confirmed)'}`,
  ];
  if (plan.kind === 'falkordb' && plan.asideFolder) {
    // Issue 16: the current data is moved aside inside the volume; the steps say what is where when.
    lines.push(`  stop:           ${plan.stop.length ? plan.stop.join(', ') : '(nothing is running)'}`);
    lines.push(`  volume:         ${plan.target}; the previous data goes to (or comes back from) its folder ${plan.asideFolder}`);
    lines.push(`  safety copy:    ${plan.safetyBackup ? `${plan.safetyBackup}, written from that folder; the folder is deleted once it is verified` : '(none: the previous data is moved back)'}`);
    lines.push(`  start:          ${plan.start.length ? plan.start.join(', ') : '(nothing)'}`);
    lines.push('  steps:');
    plan.steps.forEach((step, i) => lines.push(`    ${i + 1}. ${step}`));
  } else if (plan.kind === 'falkordb') {
    lines.push(`  stop:           ${plan.stop.length ? plan.stop.join(', ') : '(nothing is running)'}`);
    lines.push(`  safety copy:    ${plan.safetyBackup ?? '(none)'}`);
    lines.push(`  wipe volume:    ${plan.target} (everything, dotfiles included), then extract the archive into it`);
    lines.push(`  start:          ${plan.start.length ? plan.start.join(', ') : '(nothing: no service was running; pass --start to start them)'}`);
  } else {
    lines.push(`  replace folder: ${plan.target}`);
    lines.push(`  safety copy:    ${plan.safetyBackup ?? '(none: the folder does not exist yet)'}`);
  }
  lines.push(`  then:           ${plan.verify}`);
  lines.push(`  on failure:     ${plan.asideFolder ? `the previous data is moved back from ${plan.asideFolder} automatically (before the data checks pass)` : 'the safety copy is put back automatically'}`);
  for (const w of plan.warnings) lines.push(`  warning:        ${w}`);
  return lines.join('\n');
}

/** renderResult is the one-paragraph human summary of a finished (or dry) restore. Pure. */
export function renderResult(result: RestoreResult): string {
  if (result.dryRun) return `${renderPlan(result.plan!)}\nDry run: every check passed; nothing was changed.`;
  const seconds = (result.durationMs / 1000).toFixed(1);
  const lines = [`Restored ${result.kind === 'falkordb' ? 'volume' : 'folder'} ${result.target} from ${result.archive} in ${seconds} s.`];
  lines.push(result.safetyBackup ? `Safety copy of the previous content: ${result.safetyBackup}` : 'There was no previous content to keep.');
  const h = result.health;
  if (h?.status === 'healthy') {
    const data = h.data
      ? `; PING ${h.data.ping}, ${h.data.keys} keys${h.data.expectedKeys !== undefined ? ` (manifest: ${h.data.expectedKeys})` : ''}${h.data.graphs ? `, graphs: ${h.data.graphs.join(', ') || 'none'}` : ''}`
      : '';
    lines.push(`Health: ${h.containers.map((c) => `${c.name} ${c.status}`).join(', ')}${data}.`);
  } else if (h?.status === 'skipped') lines.push('Health wait skipped (SKIP_RESTORE_HEALTH_WAIT).');
  else if (h?.status === 'not-started') lines.push('No service was started (none was running before; pass --start to start them).');
  for (const w of result.warnings) lines.push(`Warning: ${w}`);
  return lines.join('\n');
}
