import { redactText } from '../redact/redact.js';

/** One line of the app's own command log (original-scripts.md §8), redacted for display. */
export interface LegacyEntry {
  format: 'legacy';
  /** The timestamp as UTC ISO 8601 (the app wrote local time without an offset; read in this machine's zone). */
  time: string;
  rawTime: string;
  status: string;
  event: string;
  reason: string;
  command: string;
}

/**
 * parseLegacyLine reads `<timestamp>|<ALLOWED|BLOCKED>|<event_type>|<reason>|<command>`: the
 * first four fields end at the first four `|`, and the command is everything after, so a command
 * containing `|` survives (anchors-and-gotchas.md §H.10). The app stored commands unredacted; the
 * command and reason are redacted here. Returns undefined for a line that is not in that format.
 */
export function parseLegacyLine(line: string): LegacyEntry | undefined {
  const fields: string[] = [];
  let rest = line.replace(/\r$/, '');
  for (let i = 0; i < 4; i++) {
    const bar = rest.indexOf('|');
    if (bar < 0) return undefined;
    fields.push(rest.slice(0, bar));
    rest = rest.slice(bar + 1);
  }
  const [rawTime, status, event, reason] = fields as [string, string, string, string];
  if (!/^(ALLOWED|BLOCKED)$/.test(status)) return undefined;
  const at = new Date(rawTime);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(rawTime) || Number.isNaN(at.getTime())) return undefined;
  return { format: 'legacy', time: at.toISOString(), rawTime, status, event, reason: redactText(reason), command: redactText(rest) };
}
