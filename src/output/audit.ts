import { isLegacy, type TrailEntry } from '../core/audit/show.js';
import type { ChainProblem, VerifyResult } from '../core/audit/verify.js';

// The human shapes of `audit show` and `audit verify`; --json prints the core results as they are.

const shortTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`);
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function detailText(value: unknown): string {
  if (typeof value === 'string') return /^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 12)}…` : value;
  if (Array.isArray(value)) return value.map(detailText).join('+') || '(none)';
  return JSON.stringify(value);
}

/** summariseDetails renders what a run touched as `key=value` pairs (hashes shortened), at most `max` characters. */
export function summariseDetails(details: Record<string, unknown>, max = 100): string {
  return clip(Object.entries(details).map(([k, v]) => `${k}=${detailText(v)}`).join(' '), max);
}

/** renderTable lays out entries as the `audit show` table (time, user, command, outcome, duration, details), oldest first. */
export function renderTable(entries: TrailEntry[]): string {
  const rows = entries.map((e) =>
    isLegacy(e)
      ? [shortTime(e.time), '-', clip(`[app] ${e.event}: ${e.command}`, 48), e.status, '-', clip(e.reason, 100)]
      : [
          shortTime(e.time),
          e.user,
          e.command,
          e.outcome === 'ok' ? 'ok' : `${e.outcome} (${e.exitCode})`,
          duration(e.durationMs),
          [summariseDetails(e.details), e.error ? clip(`error: ${e.error}`, 80) : ''].filter(Boolean).join(' '),
        ],
  );
  const header = ['TIME', 'USER', 'COMMAND', 'OUTCOME', 'DURATION', 'DETAILS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** renderVerify is the human verdict of `audit verify`: one line when intact, else the first break and the rest listed. */
export function renderVerify(r: VerifyResult): string {
  const files = `${r.files.length} file${r.files.length === 1 ? '' : 's'}`;
  if (r.ok) {
    if (r.records === 0) return `Audit trail ${r.path}: no records yet.`;
    return `Audit trail ${r.path}: intact, ${r.records} record(s) in ${files}; head seq ${r.head?.seq} (${r.head?.hash.slice(0, 12)}…).`;
  }
  const [first, ...rest] = r.problems;
  const at = (p: ChainProblem) => `${p.file}:${p.line}${p.seq === undefined ? '' : ` (seq ${p.seq})`}`;
  const lines = [`Audit trail ${r.path}: BROKEN at ${at(first!)}: ${first!.message}.`];
  if (rest.length) lines.push(`${rest.length} more problem(s):`, ...rest.map((p) => `  - ${at(p)}: ${p.message}`));
  return lines.join('\n');
}
