import { readFile, stat } from 'node:fs/promises';
import { headPath, readHead, trailFiles, type Head } from './files.js';
import { auditRecordSchema, GENESIS, recordHash, type AuditRecord, type ChainTip } from './record.js';

/** One break in the chain: where (file, 1-based line, seq when known) and what is wrong, as a sentence. */
export interface ChainProblem {
  file: string;
  line: number;
  seq?: number;
  message: string;
}

/** The verdict of `audit verify`: ok only when every record, every link and the head agree. */
export interface VerifyResult {
  ok: boolean;
  path: string;
  files: { file: string; records: number }[];
  records: number;
  head: { seq: number; hash: string } | null;
  problems: ChainProblem[];
  warnings: string[];
}

/** The input of verifyChain: each file's text in trail order, and the head as readHead returned it. */
export interface ChainInput {
  path: string;
  files: { file: string; text: string }[];
  head: Head | { corrupt: string } | undefined;
}

const where = (at: { file: string; line: number }) => `${at.file}:${at.line}`;

function describeLink(rec: AuditRecord, expected: ChainTip, prevAt: { file: string; line: number } | undefined): string {
  const after = prevAt ? `the record before it (seq ${expected.seq} at ${where(prevAt)})` : expected.seq > 0 ? `the head's chain base (seq ${expected.seq})` : 'the start of the trail';
  const jump = rec.seq === expected.seq + 1 ? '' : rec.seq > expected.seq ? `; seq jumps from ${expected.seq} to ${rec.seq}` : `; seq ${rec.seq} comes after seq ${expected.seq}`;
  return `its prev hash does not match ${after}${jump}: records were inserted, deleted, edited or reordered here`;
}

/**
 * verifyChain checks a trail without touching the disk: every line is a well-formed record whose
 * hash matches its content, each record's `prev` is the hash of the one before it (across
 * rotated files), the chain starts at GENESIS or the head's base, and the last record is the
 * one the head names. After a break it resynchronises, so every independent break is listed.
 */
export function verifyChain(input: ChainInput): VerifyResult {
  const problems: ChainProblem[] = [];
  const warnings: string[] = [];
  const head = input.head && !('corrupt' in input.head) ? input.head : undefined;
  let expected: ChainTip = head?.base ?? { seq: 0, hash: GENESIS };
  let last: { file: string; line: number; rec: AuditRecord } | undefined;
  let skipped = 0;
  const files: VerifyResult['files'] = [];

  for (const { file, text } of input.files) {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let count = 0;
    lines.forEach((raw, i) => {
      const at = { file, line: i + 1 };
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        const legacy = /^[^|{]*\|(ALLOWED|BLOCKED)\|/.test(raw) ? ' (this is the app’s legacy pipe format, which has no chain)' : '';
        problems.push({ ...at, message: raw.trim() === '' ? 'blank line' : `not a JSON record${legacy}` });
        return;
      }
      const parsed = auditRecordSchema.safeParse(json);
      if (!parsed.success) {
        problems.push({ ...at, message: `not a valid audit record: ${parsed.error.issues.map((x) => `${x.path.join('.') || '(record)'} ${x.message}`).join('; ')}` });
        return;
      }
      const rec = parsed.data;
      // Records at or before the base belong to files an interrupted rotation did not finish pruning.
      if (!last && head?.base && rec.seq <= head.base.seq) {
        skipped++;
        return;
      }
      if (recordHash(rec) !== rec.hash) {
        problems.push({ ...at, seq: rec.seq, message: 'the record was modified: its content does not match its hash' });
      } else if (rec.prev !== expected.hash) {
        const message = !last && !head?.base && expected.seq === 0
          ? `the chain does not start at the beginning: it starts at seq ${rec.seq}, whose predecessor is missing (rotated files deleted by hand, or the head's base lost)`
          : describeLink(rec, expected, last);
        problems.push({ ...at, seq: rec.seq, message });
      } else if (rec.seq !== expected.seq + 1) {
        problems.push({ ...at, seq: rec.seq, message: `its sequence number is ${rec.seq}, expected ${expected.seq + 1}` });
      }
      expected = { seq: rec.seq, hash: rec.hash };
      last = { ...at, rec };
      count++;
    });
    files.push({ file, records: count });
  }
  if (skipped > 0) warnings.push(`${skipped} record(s) before the chain base were skipped: rotated files an interrupted rotation did not prune.`);
  checkHead(input, last, problems, warnings);
  const records = files.reduce((n, f) => n + f.records, 0);
  return { ok: problems.length === 0, path: input.path, files, records, head: head ? { seq: head.seq, hash: head.hash } : null, problems, warnings };
}

function checkHead(input: ChainInput, last: { file: string; line: number; rec: AuditRecord } | undefined, problems: ChainProblem[], warnings: string[]): void {
  const at = last ? { file: last.file, line: last.line, seq: last.rec.seq } : { file: headPath(input.path), line: 1 };
  const { head } = input;
  if (head === undefined) {
    if (last) problems.push({ ...at, message: `the head file ${headPath(input.path)} is missing, so records cut off the end cannot be ruled out` });
    return;
  }
  if ('corrupt' in head) {
    problems.push({ file: headPath(input.path), line: 1, message: `the head file is damaged: ${head.corrupt}` });
    return;
  }
  if (!last) {
    if (head.seq > (head.base?.seq ?? 0)) problems.push({ ...at, message: `the trail has no records but its head names seq ${head.seq}: the files were deleted or emptied` });
    return;
  }
  const rec = last.rec;
  if (rec.hash === head.hash && rec.seq === head.seq) return;
  if (rec.seq < head.seq) {
    problems.push({ ...at, message: `the trail ends at seq ${rec.seq} but its head names seq ${head.seq}: ${head.seq - rec.seq} record(s) were cut off the end` });
  } else if (rec.prev === head.hash && rec.seq === head.seq + 1) {
    warnings.push(`The head is one record behind (seq ${head.seq}): a run stopped between appending and updating the head; the next append repairs it.`);
  } else {
    problems.push({ ...at, message: `the last record (seq ${rec.seq}) is not the one the head names (seq ${head.seq}, hash ${head.hash.slice(0, 12)}…)` });
  }
}

/**
 * verifyAuditTrail reads the trail at `path` (rotated files oldest first, then the live file)
 * and its head, and returns verifyChain's verdict plus a warning for files readable by others.
 * An absent trail with no head verifies as empty; read errors other than ENOENT propagate.
 */
export async function verifyAuditTrail(path: string): Promise<VerifyResult> {
  const names = await trailFiles(path);
  const files = await Promise.all(names.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
  const result = verifyChain({ path, files, head: await readHead(path) });
  for (const file of names) {
    const { mode } = await stat(file);
    if ((mode & 0o077) !== 0) result.warnings.push(`${file} is readable by other users (mode ${(mode & 0o777).toString(8)}); the audit trail should be 0600.`);
  }
  return result;
}
