import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { trailFiles } from './files.js';
import { parseLegacyLine, type LegacyEntry } from './legacy.js';
import { auditRecordSchema, type AuditRecord } from './record.js';

/** One readable entry of a trail: an ops record, or a line of the app's legacy pipe-format log. */
export type TrailEntry = AuditRecord | LegacyEntry;

/** What `audit show` selects: since a time, one command (and its subcommands), one outcome, the newest n. */
export interface ShowFilter {
  since?: Date;
  command?: string;
  /** `failed` selects every run that did not succeed (failed or interrupted; legacy BLOCKED). */
  outcome?: 'ok' | 'failed' | 'interrupted';
  limit?: number;
}

/** The entries of a trail in trail order (oldest first), the files read, and the lines that were neither format. */
export interface TrailContents {
  files: string[];
  entries: TrailEntry[];
  unreadable: { file: string; line: number }[];
}

/** isLegacy tells the app's pipe-format lines from this tool's records. */
export const isLegacy = (e: TrailEntry): e is LegacyEntry => (e as LegacyEntry).format === 'legacy';

/**
 * readTrail reads every file of the trail at `path` (rotated files oldest first, then the live
 * file), accepting both the ops JSON records and the app's legacy pipe lines. Lines in neither
 * format are counted in `unreadable`, never fatal; a missing trail is empty.
 */
export async function readTrail(path: string): Promise<TrailContents> {
  const files = await trailFiles(path);
  const entries: TrailEntry[] = [];
  const unreadable: TrailContents['unreadable'] = [];
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((raw, i) => {
      if (raw.trim() === '') return;
      const entry = raw.trimStart().startsWith('{') ? parseRecord(raw) : parseLegacyLine(raw);
      if (entry) entries.push(entry);
      else unreadable.push({ file, line: i + 1 });
    });
  }
  return { files, entries, unreadable };
}

function parseRecord(raw: string): AuditRecord | undefined {
  try {
    const parsed = auditRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * parseSince reads `--since`: a duration back from `now` (`90s`, `30m`, `12h`, `7d`, `2w`) or a
 * date/time (`2024-05-01` is UTC midnight; an ISO time without offset is local). Throws UsageError (exit 2) otherwise.
 */
export function parseSince(text: string, now: Date): Date {
  const m = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (m) return new Date(now.getTime() - Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? new Date(text.trim()) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(`--since: '${text}' is neither a duration nor a date.`, { hint: 'Use a duration such as 7d, 12h or 30m, or a date such as 2024-05-01.' });
  }
  return at;
}

const outcomeOf = (e: TrailEntry) => (isLegacy(e) ? (e.status === 'ALLOWED' ? 'ok' : 'failed') : e.outcome);
const commandMatches = (e: TrailEntry, name: string) => {
  const words = isLegacy(e) ? [e.event, e.command.trim().split(/\s+/)[0] ?? ''] : [e.command];
  return words.some((w) => w === name || w.startsWith(`${name} `));
};

/** filterEntries applies a ShowFilter, keeping trail order; `limit` keeps the newest n. */
export function filterEntries(entries: TrailEntry[], filter: ShowFilter): TrailEntry[] {
  const out = entries.filter((e) => {
    if (filter.since && !(Date.parse(e.time) >= filter.since.getTime())) return false;
    if (filter.command && !commandMatches(e, filter.command)) return false;
    if (filter.outcome === 'failed') return outcomeOf(e) !== 'ok';
    return !filter.outcome || outcomeOf(e) === filter.outcome;
  });
  return filter.limit === undefined ? out : out.slice(Math.max(0, out.length - filter.limit));
}
