import { formatBytes } from '../format-bytes.js';
import type { PartReport } from './types.js';

/** What index.md says about the run that made the bundle. */
export interface IndexFacts {
  version: string;
  createdAt: Date;
  commandLine: string;
  maxSize: number;
  sections: Array<{ id: string; title: string }>;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * renderIndex writes index.md: what the bundle holds (each file, where it came from, its size and
 * how many values were masked, whether the size cap cut it), what was not collected and why, the
 * tool's version and the command line. The caller redacts it like every other text.
 */
export function renderIndex(facts: IndexFacts, parts: readonly PartReport[]): string {
  const written = parts.filter((p) => p.skipped === undefined);
  const missing = parts.filter((p) => p.skipped !== undefined);
  const cut = written.filter((p) => p.truncatedFrom !== undefined);
  const lines = [
    '# Auto-Codex support bundle',
    '',
    `Made by autocodex-ops ${facts.version} at ${facts.createdAt.toISOString()}.`,
    `Command line: \`${facts.commandLine}\``,
    '',
    // Worded so that the redaction patterns (which index.md goes through too) leave it alone.
    'Every file here went through redaction: the app\'s log-redaction patterns (API keys, GitHub and Linear',
    'tokens, authorization headers, server passwords, URL credentials) and every secret value the configuration,',
    'the containers\' environment and the app\'s settings hold. A masked value reads `***`.',
    'Never collected: `.env` files, `config/codex-profiles.json`, `auth.json`, `~/.codex`, backup archives, keys.',
    '',
    `Size cap: ${facts.maxSize} bytes (${formatBytes(facts.maxSize)}) of content, uncompressed. ${cut.length ? `${cut.length} log(s) were cut to their newest lines, the largest first.` : 'Nothing had to be cut.'}`,
    '',
  ];
  for (const section of facts.sections) {
    const rows = written.filter((p) => p.section === section.id);
    const skips = missing.filter((p) => p.section === section.id);
    lines.push(`## ${section.title}`, '');
    if (rows.length) {
      lines.push('| file | from | bytes | masked |', '|---|---|---|---|');
      for (const p of rows) {
        const note = p.truncatedFrom === undefined ? '' : ` (cut: newest ${formatBytes(p.bytes)} of ${formatBytes(p.truncatedFrom)})`;
        lines.push(`| ${cell(p.name)} | ${cell(p.source)} | ${p.bytes}${note} | ${p.masked} |`);
      }
      lines.push('');
    }
    if (skips.length) {
      lines.push('Not collected:', '');
      for (const p of skips) lines.push(`- ${p.name} (${p.source}): ${p.skipped}`);
      lines.push('');
    }
    if (!rows.length && !skips.length) lines.push('Nothing found.', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
