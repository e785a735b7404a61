import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { readTextNoFollow } from '../fs/read-no-follow.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import { acquireLock } from '../run/lock.js';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';

/**
 * The Prometheus text-format file for node_exporter's textfile collector (issue 25). Each run
 * rewrites it atomically and keeps the series earlier runs wrote (other commands, other kinds);
 * lines of metric families this tool does not define are dropped, since the file is its own.
 */

/** The metric families, with their help text; all are gauges. */
export const FAMILIES = {
  autocodex_ops_last_run_timestamp_seconds: 'When the command last finished (Unix time).',
  autocodex_ops_last_success_timestamp_seconds: 'When the command last finished with exit 0 (Unix time).',
  autocodex_ops_last_run_duration_seconds: 'How long the last run of the command took.',
  autocodex_ops_last_run_success: '1 when the last run of the command exited 0, else 0.',
  autocodex_ops_last_run_exit_code: 'Exit code of the last run of the command.',
  autocodex_ops_backup_last_archive_bytes: 'Size of the archive the last successful backup wrote.',
  autocodex_ops_backup_newest_timestamp_seconds: 'Creation time of the newest backup of the kind (Unix time).',
  autocodex_ops_backup_newest_age_seconds: 'Age of the newest backup of the kind when this file was written.',
  autocodex_ops_drill_last_timestamp_seconds: 'When the last restore drill of the kind finished (Unix time).',
  autocodex_ops_drill_last_success: '1 when the last restore drill of the kind passed, else 0.',
  autocodex_ops_healthcheck_checks: 'Checks of the last healthcheck run, by status.',
} as const;
export type Family = keyof typeof FAMILIES;

/** One sample: family, labels and value. */
export interface Sample {
  name: Family;
  labels: Record<string, string>;
  value: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>) => {
  const keys = Object.keys(labels).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}` : '';
};
const formatValue = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3))));

/** parseSamples reads the samples of known families from a file this tool wrote; anything else is skipped. */
export function parseSamples(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$/.exec(line.trim());
    if (!m || !(m[1]! in FAMILIES)) continue;
    out.set(`${m[1]}${m[2] ?? ''}`, m[3]!);
  }
  return out;
}

/** renderMetrics merges new samples over the old ones and writes each family once, with HELP and TYPE, in a stable order. */
export function renderMetrics(old: Map<string, string>, samples: readonly Sample[]): string {
  const merged = new Map(old);
  for (const s of samples) merged.set(`${s.name}${labelText(s.labels)}`, formatValue(s.value));
  const lines: string[] = [];
  for (const [family, help] of Object.entries(FAMILIES)) {
    const series = [...merged.keys()].filter((k) => k === family || k.startsWith(`${family}{`)).sort();
    if (!series.length) continue;
    lines.push(`# HELP ${family} ${help}`, `# TYPE ${family} gauge`);
    for (const key of series) lines.push(`${key} ${merged.get(key)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * updateMetricsFile merges `samples` into the file at `path` and replaces it atomically
 * (temporary file in the same folder, fsync, rename; mode 0644 so node_exporter can read it).
 * A textfile collector never sees half a file. Errors propagate to the caller, which reports them.
 */
export async function updateMetricsFile(path: string, samples: readonly Sample[], options: { waitSeconds?: number } = {}): Promise<void> {
  // The collector's folder is the operator's to create (with modes node_exporter can read).
  await stat(dirname(path));
  // As root: the collector's folder must be root's alone (node_exporter only needs to read it).
  assertSafeOutputDir(dirname(path), 'the metrics folder');
  // Read-merge-write by two runs at once would lose one run's series: the lock sits beside the
  // file it protects (node_exporter reads only `*.prom`), and a dead holder's lock is taken over.
  const lock = await acquireLock({
    dir: dirname(path),
    target: `${basename(path).replace(/^[^A-Za-z0-9]+/, '')}`.replace(/[^A-Za-z0-9_.-]/g, '_') || 'metrics',
    command: 'metrics update',
    waitSeconds: options.waitSeconds ?? 15,
    pollMs: 50,
  });
  try {
    let old = new Map<string, string>();
    try {
      // As root in a collector folder others may write: a link at the file's name is never read.
      old = parseSamples(await readTextNoFollow(path));
    } catch (err) {
      // ELOOP: a link; writeFileAtomic below refuses it with a clear message.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ELOOP') throw err;
    }
    // node_exporter only reads `*.prom`; writeFileAtomic's temporary names end in `-<hex>`.
    await writeFileAtomic(path, renderMetrics(old, samples), { replace: true, noFollow: true, mode: 0o644, forceMode: true, hint: `Fix that in ${dirname(path)}.` });
  } finally {
    await lock.release();
  }
}
