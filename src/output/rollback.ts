import { describePair } from '../core/stack/image-tags.js';
import type { ImagesPlan } from '../core/rollback/images-plan.js';
import type { HistoryRow, ImagesRollbackResult } from '../core/rollback/run-images-rollback.js';
import type { SourceRollbackResult } from '../core/rollback/run-source-rollback.js';
import { describeVersion } from '../core/rollback/source-layout.js';
import type { SourcePlan } from '../core/rollback/source-plan.js';

// Human renderings of rollback plans and results. Plans shown before a prompt go to stderr (the
// command decides); results go to stdout through the printer.

const numbered = (steps: readonly string[]) => steps.map((s, i) => `  ${i + 1}. ${s}`);
const warned = (warnings: readonly string[]) => warnings.map((w) => `  ! ${w}`);

/** renderSourcePlan lists what `rollback source` will do, step by step, with its warnings. */
export function renderSourcePlan(plan: Pick<SourcePlan, 'to' | 'layout' | 'current' | 'target' | 'steps' | 'warnings'>): string {
  const target = plan.to === 'bundled' ? 'the bundled source' : `the updater's backup (${describeVersion(plan.target)})`;
  const from = plan.current ? `the override (${describeVersion(plan.current)})` : 'no override (bundled source)';
  return [`Roll back the Auto-Codex source in ${plan.layout.userdataDir}: ${from} -> ${target}.`, ...numbered(plan.steps), ...warned(plan.warnings)].join('\n');
}

/** renderSourceResult is the summary of a source rollback, or its plan for a dry run. */
export function renderSourceResult(r: SourceRollbackResult): string {
  if (r.dryRun) {
    const plan = renderSourcePlan({ to: r.to, layout: { userdataDir: r.userdataDir } as SourcePlan['layout'], current: r.from, target: r.installed, steps: r.steps, warnings: r.warnings });
    return `${plan}\nDry run: nothing was changed.`;
  }
  const lines = [
    r.to === 'bundled'
      ? `Rolled back to the bundled source: ${r.source} is gone, so the app runs its bundled source at next start.`
      : `Rolled back ${r.source} to ${describeVersion(r.installed)}${r.from ? ` (was ${describeVersion(r.from)})` : ''}.`,
  ];
  if (r.carriedOver.length) lines.push(`Carried over from the replaced override: ${r.carriedOver.join(', ')}.`);
  if (r.safetyCopy) lines.push(`Safety copy of the replaced override: ${r.safetyCopy}`);
  if (r.undo) lines.push(`To undo: ${r.undo}`);
  if (r.recovered) lines.push(`Before that: ${r.recovered}`);
  return lines.join('\n');
}

/** renderImagesPlan lists what `rollback images` will do, step by step, with its warnings. */
export function renderImagesPlan(plan: Pick<ImagesPlan, 'from' | 'to' | 'fromHistory' | 'steps' | 'warnings'>): string {
  const how = plan.fromHistory ? ' (the previous recorded pair)' : '';
  return [`Roll the services from ${describePair(plan.from)} to ${describePair(plan.to)}${how}:`, ...numbered(plan.steps), ...warned(plan.warnings)].join('\n');
}

/** renderImagesResult is the summary of an image rollback, or its plan for a dry run. */
export function renderImagesResult(r: ImagesRollbackResult): string {
  if (r.dryRun) return `${renderImagesPlan(r)}\nCompose: ${r.compose}.\nDry run: nothing was changed.`;
  const lines = [`Rolled the services from ${describePair(r.from)} to ${describePair(r.to)}; both are healthy.`];
  for (const h of Object.values(r.health ?? {})) lines.push(`  ${h.container}: ${h.image} (${h.imageId.slice(0, 19)}), ${h.status}`);
  lines.push(`Changed in ${r.envFile}: ${r.envChanges.map((c) => `${c.key} ${c.from || '(empty)'} -> ${c.to} (line ${c.line})`).concat(r.envAppended.map((k) => `${k} added`)).join(', ')}.`);
  lines.push(typeof r.backup === 'string' ? `FalkorDB backup taken first: ${r.backup}` : 'No backup was taken (--no-backup).');
  lines.push('To go back: autocodex-ops rollback images (the previous recorded pair).');
  return lines.join('\n');
}

/** renderHistory prints the recorded pairs, newest last, the configured one marked `*`. */
export function renderHistory(list: { historyFile: string; entries: HistoryRow[] }): string {
  if (list.entries.length === 0) return `No image pairs recorded yet in ${list.historyFile}.`;
  const rows = list.entries.map((e) => {
    const ids = [e.falkordbImageId, e.graphitiImageId].map((id) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '-')).join(' ');
    return `${e.current ? '*' : ' '} ${e.recordedAt.padEnd(24)} ${e.falkordbTag.padEnd(20)} ${e.graphitiTag.padEnd(20)} ${e.source.padEnd(11)} ${ids}`;
  });
  const head = `  ${'recorded at'.padEnd(24)} ${'falkordb'.padEnd(20)} ${'graphiti-mcp'.padEnd(20)} ${'seen by'.padEnd(11)} image ids`;
  return [`Image pairs recorded in ${list.historyFile} (oldest first; * = configured now):`, head, ...rows].join('\n');
}
