import type { CheckGroup, CheckStatus, HealthReport } from '../core/health/types.js';
import { paint } from './printer.js';

const GROUP_TITLES: Record<CheckGroup, string> = {
  toolchain: 'Toolchain',
  codex: 'Codex',
  security: 'Security',
  graphiti: 'Graphiti',
  docker: 'Docker',
  falkordb: 'FalkorDB',
  backups: 'Backups',
  repository: 'Repository',
};

const PLAIN: Record<CheckStatus, string> = { ok: '[ok]  ', warn: '[warn]', fail: '[fail]', skip: '[skip]' };
const GLYPH: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };
const COLOUR = { ok: 'green', warn: 'yellow', fail: 'red', skip: 'dim' } as const satisfies Record<CheckStatus, string>;

/**
 * renderReport prints the report for people: a header, checks grouped with a status mark and
 * message, a hint under every warn and fail, and a summary line with counts (scripts' `[summary]`).
 */
export function renderReport(report: HealthReport, options: { root: string; color: boolean }): string {
  const mark = (s: CheckStatus) => (options.color ? paint(true, COLOUR[s], GLYPH[s]) : PLAIN[s]);
  const idWidth = Math.max(...report.checks.map((c) => c.id.length));
  const lines = ['Auto-Codex health check', `Root: ${options.root}`, `Profile: ${report.profile}`];
  const groups = [...new Set(report.checks.map((c) => c.group))];
  for (const group of groups) {
    lines.push('', GROUP_TITLES[group]);
    for (const c of report.checks.filter((x) => x.group === group)) {
      lines.push(`  ${mark(c.status)} ${c.id.padEnd(idWidth)}  ${c.message}`);
      if (c.hint && (c.status === 'warn' || c.status === 'fail')) lines.push(`  ${' '.repeat(options.color ? 1 : 6)} ${' '.repeat(idWidth)}  hint: ${c.hint}`);
    }
  }
  const s = report.summary;
  const counts = `${s.ok} ok, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip`;
  lines.push('', `[summary] ${report.status.toUpperCase()} (${counts})`);
  return lines.join('\n');
}

/** renderCheckList is `healthcheck --list-checks`: id, group and title of every check. */
export function renderCheckList(rows: ReadonlyArray<{ id: string; group: string; title: string; requiresGraphiti: boolean }>): string {
  return rows.map((r) => `${r.id.padEnd(24)} ${r.group.padEnd(11)} ${r.title}${r.requiresGraphiti ? ' (Graphiti)' : ''}`).join('\n');
}
