import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAuditRecord, type AppendOptions } from '../../src/core/audit/append.js';
import type { AuditEntry } from '../../src/core/audit/record.js';

/** A fresh folder and trail path for one test. */
export async function trailDir(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'aco-audit-'));
  return { dir, path: join(dir, 'audit.jsonl') };
}

/** An entry with plausible values; `n` varies the command line so records differ. */
export function entry(n: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    time: new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString(),
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString(),
    durationMs: 10 * n,
    tool: 'autocodex-ops',
    version: '0.1.0',
    user: 'ops',
    host: 'box',
    pid: 4000 + n,
    root: '/srv/auto-codex',
    command: 'backup falkordb',
    args: ['backup', 'falkordb', '--keep-last', String(n)],
    outcome: 'ok',
    exitCode: 0,
    details: { archive: `/srv/backups/falkordb_data_${n}.tar.gz` },
    ...over,
  };
}

/** Appends n records (seq 1..n) to the trail with the given rotation settings. */
export async function appendMany(path: string, n: number, opts: Partial<AppendOptions> = {}, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await appendAuditRecord(entry(i), { path, maxBytes: 0, backups: 0, ...opts });
  }
}
