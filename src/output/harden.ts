import type { HardenPlan, HardenResult } from '../core/harden/run-harden.js';

/** renderHardenPlan lists what is wrong and what harden will do, in order. Pure. */
export function renderHardenPlan(plan: HardenPlan): string {
  return [
    `Harden plan for ${plan.container} (${plan.managedBy === 'ui' ? 'started by the Desktop UI' : 'managed by compose'}):`,
    '  found:',
    ...plan.findings.map((f) => `    - ${f.message}`),
    '  steps:',
    ...plan.steps.map((s, i) => `    ${i + 1}. ${s}`),
    `  ${plan.onFailure}`,
    ...plan.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

/** renderHardenResult is the human summary of a run. Pure. */
export function renderHardenResult(r: HardenResult): string {
  const lines: string[] = [];
  if (r.undidPrevious) lines.push(`Undid the unfinished harden run of ${r.undidPrevious} first.`);
  if (r.status === 'already-hardened') lines.push(`${r.container} is already hardened; nothing changed.`);
  if (r.status === 'not-trapped') lines.push(`${r.container}'s data is already in a volume; nothing changed.`);
  if (r.status === 'dry-run' && r.plan) lines.push(renderHardenPlan(r.plan), 'Dry run: nothing was changed.');
  if (r.status === 'rescued-only') lines.push(`Rescued ${r.keys} keys into ${r.rescuedBackup}; ${r.container} is unchanged. To finish:`);
  if (r.status === 'hardened') {
    lines.push(
      `Hardened ${r.container}: ${r.keys} keys in volume ${r.volume} at /var/lib/falkordb/data, auth and AOF on, port on 127.0.0.1, image ${r.image}.`,
      `  rescued backup: ${r.rescuedBackup}`,
      r.oldImage ? `  old container:  committed as the image ${r.oldImage}` : `  old container:  ${r.oldContainer} (stopped)`,
      ...(r.volumeCopy ? [`  volume before:  ${r.volumeCopy} (verified)`] : []),
      ...(r.editedFiles.length ? [`  edited:         ${r.editedFiles.join(', ')} (old versions: .bak beside each)`] : []),
    );
  }
  lines.push(...r.nextSteps.map((s) => `  ${s}`), ...r.warnings.map((w) => `  warning: ${w}`));
  return lines.join('\n');
}
