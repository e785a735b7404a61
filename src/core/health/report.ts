import type { CheckGroup, CheckStatus, HealthReport } from './types.js';

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
const COLOUR: Record<CheckStatus, number> = { ok: 32, warn: 33, fail: 31, skip: 2 };

/**
 * renderReport prints the report for people: a header, checks grouped with a status mark and
 * message, a hint under every warn and fail, and a summary line with counts (scripts' `[summary]`).
 */
export function renderReport(report: HealthReport, options: { root: string; color: boolean }): string {
  const mark = (s: CheckStatus) => (options.color ? `\u001b[${COLOUR[s]}m${GLYPH[s]}\u001b[0m` : PLAIN[s]);
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
