import { formatBytes } from '../core/format-bytes.js';
import type { SupportBundleResult } from '../core/support-bundle/run-support-bundle.js';

/** renderSupportBundle is the human report of `support-bundle`: the file, then (dry run) each part, then what is missing. */
export function renderSupportBundle(r: SupportBundleResult): string {
  const written = r.parts.filter((p) => p.skipped === undefined);
  const missing = r.parts.filter((p) => p.skipped !== undefined);
  const masked = written.reduce((n, p) => n + p.masked, 0);
  const lines: string[] = [];
  if (r.dryRun) {
    lines.push(`Would write ${r.bundle} with ${written.length} file(s), at most ${formatBytes(r.bytes)} before compression:`);
    for (const p of written) lines.push(`  ${formatBytes(p.bytes).padStart(10)}  ${p.name}${p.truncatedFrom === undefined ? '' : ` (cut from ${formatBytes(p.truncatedFrom)})`}  <- ${p.source}`);
  } else {
    lines.push(`Wrote ${r.bundle} (${formatBytes(r.bytes)}, ${written.length} file(s), ${masked} value(s) masked).`);
    const cut = written.filter((p) => p.truncatedFrom !== undefined);
    if (cut.length) lines.push(`Cut to fit --max-size: ${cut.map((p) => p.name).join(', ')}.`);
  }
  if (missing.length) {
    lines.push('Not collected:');
    for (const p of missing) lines.push(`  ${p.name}: ${p.skipped}`);
  }
  if (!r.dryRun) lines.push('index.md inside lists every file, where it came from and what was masked. Attach the bundle to the ticket.');
  return lines.join('\n');
}
