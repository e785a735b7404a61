import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

// Where drills leave their verdict for `backup list` and the restore-drill healthcheck: one JSON line
// per drill in the backup folder. The audit trail holds the same facts for people; this file is the
// one a reader in the backup domain can use without depending on the audit use case.

/** The file in the backup folder that holds one line per drill. */
export const DRILL_RECORDS = '.autocodex-ops-drills.jsonl';

/** One drill's verdict. */
export interface DrillRecord {
  at: string;
  kind: 'falkordb' | 'userdata';
  /** The archive's file name (drills of copies elsewhere match by name and sha256). */
  file: string;
  sha256: string;
  ok: boolean;
  keys?: number;
  expectedKeys?: number;
  loadMs?: number;
  problems: string[];
}

/** appendDrillRecord adds one line (a single O_APPEND write, so concurrent drills never interleave). */
export async function appendDrillRecord(backupDir: string, record: Omit<DrillRecord, 'file'> & { archive: string }): Promise<void> {
  const { archive, ...rest } = record;
  await mkdir(backupDir, { recursive: true });
  await appendFile(join(backupDir, DRILL_RECORDS), `${JSON.stringify({ ...rest, file: basename(archive) })}\n`, { mode: 0o600 });
}

/** readDrillRecords returns every well-formed record, oldest first; a missing file is no records, a bad line is skipped. */
export async function readDrillRecords(backupDir: string): Promise<DrillRecord[]> {
  let text: string;
  try {
    text = await readFile(join(backupDir, DRILL_RECORDS), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: DrillRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as DrillRecord;
      if (typeof r.at === 'string' && typeof r.file === 'string' && typeof r.ok === 'boolean' && !Number.isNaN(Date.parse(r.at))) out.push({ ...r, problems: Array.isArray(r.problems) ? r.problems : [] });
    } catch {
      // a line cut by a crash: the others still count
    }
  }
  return out;
}

/** lastDrillOf finds the newest record of one archive (by file name). */
export function lastDrillOf(records: readonly DrillRecord[], archive: string): DrillRecord | undefined {
  const file = basename(archive);
  return records.filter((r) => r.file === file).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
}
