import { readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAuditRecord } from '../../../../src/core/audit/append.js';
import { headPath, listRotated } from '../../../../src/core/audit/files.js';
import { recordHash, sealRecord } from '../../../../src/core/audit/record.js';
import { verifyAuditTrail } from '../../../../src/core/audit/verify.js';
import { appendMany, entry, trailDir } from '../../../helpers/audit.js';

let dir: string;
let path: string;
beforeEach(async () => {
  ({ dir, path } = await trailDir());
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (file = path) => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
const writeLines = (ls: string[], file = path) => writeFile(file, ls.map((l) => `${l}\n`).join(''));

describe('an intact chain', () => {
  it('verifies, with the head naming the last record', async () => {
    await appendMany(path, 5);
    const r = await verifyAuditTrail(path);
    expect(r).toMatchObject({ ok: true, records: 5, problems: [], warnings: [] });
    expect(r.head?.seq).toBe(5);
    expect(JSON.parse((await lines()).at(-1)!).hash).toBe(r.head?.hash);
  });

  it('verifies as empty when there is no trail at all', async () => {
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true, records: 0, head: null });
  });

  it('continues across rotated files and still verifies', async () => {
    await appendMany(path, 12, { maxBytes: 1500, backups: 0 });
    const rotated = await listRotated(path);
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    const r = await verifyAuditTrail(path);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, records: 12 });
    expect(r.files.map((f) => f.file)).toEqual([...rotated.map((f) => f.path), path]);
    // The first record of each later file points at the last record of the file before it.
    const lastOfFirst = JSON.parse((await lines(rotated[0]!.path)).at(-1)!);
    const firstOfSecond = JSON.parse((await lines(rotated[1]!.path))[0]!);
    expect(firstOfSecond.prev).toBe(lastOfFirst.hash);
  });

  it('verifies after rotation pruned the oldest files: the head records where the kept chain starts', async () => {
    await appendMany(path, 20, { maxBytes: 1200, backups: 2 });
    expect((await listRotated(path)).length).toBe(2);
    const head = JSON.parse(await readFile(headPath(path), 'utf8'));
    expect(head.base.seq).toBeGreaterThan(0);
    const r = await verifyAuditTrail(path);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.records).toBe(20 - head.base.seq);
  });

  it('writes the trail and head with mode 0600', async () => {
    await appendMany(path, 1);
    const { stat } = await import('node:fs/promises');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(headPath(path))).mode & 0o777).toBe(0o600);
  });
});

describe('tampering is detected and located', () => {
  beforeEach(async () => {
    await appendMany(path, 6);
  });

  it('an edited field (hash left alone) breaks that record', async () => {
    const ls = await lines();
    ls[2] = ls[2]!.replace('"exitCode":0', '"exitCode":1');
    await writeLines(ls);
    const r = await verifyAuditTrail(path);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: path, line: 3, seq: 3, message: expect.stringContaining('modified') });
    expect(r.problems).toHaveLength(1);
  });

  it('an edit with a recomputed hash breaks the link to the next record', async () => {
    const ls = await lines();
    const rec = JSON.parse(ls[2]!);
    rec.outcome = 'failed';
    rec.hash = recordHash(rec);
    ls[2] = JSON.stringify(rec);
    await writeLines(ls);
    const r = await verifyAuditTrail(path);
    expect(r.problems[0]).toMatchObject({ line: 4, seq: 4, message: expect.stringContaining('prev hash does not match') });
  });

  it('an inserted record is detected', async () => {
    const ls = await lines();
    const forged = sealRecord(entry(99, { command: 'restore falkordb' }), JSON.parse(ls[2]!)).line.trimEnd();
    ls.splice(3, 0, forged);
    await writeLines(ls);
    const r = await verifyAuditTrail(path);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ line: 5, message: expect.stringMatching(/prev hash does not match.*seq 4 comes after seq 4/) });
  });

  it('a deleted record is detected, with the gap named', async () => {
    const ls = await lines();
    ls.splice(2, 1);
    await writeLines(ls);
    const r = await verifyAuditTrail(path);
    expect(r.problems[0]).toMatchObject({ line: 3, seq: 4, message: expect.stringContaining('seq jumps from 2 to 4') });
  });

  it('reordered records are detected', async () => {
    const ls = await lines();
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    await writeLines(ls);
    const r = await verifyAuditTrail(path);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ line: 2, seq: 3 });
  });

  it('records cut off the end are detected through the head', async () => {
    const ls = await lines();
    await writeLines(ls.slice(0, 4));
    const r = await verifyAuditTrail(path);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      { file: path, line: 4, seq: 4, message: 'the trail ends at seq 4 but its head names seq 6: 2 record(s) were cut off the end' },
    ]);
  });

  it('a removed or damaged head fails verification (a cut tail could not be ruled out)', async () => {
    await unlink(headPath(path));
    expect((await verifyAuditTrail(path)).problems[0]?.message).toContain('is missing');
    await writeFile(headPath(path), 'nonsense');
    expect((await verifyAuditTrail(path)).problems[0]?.message).toContain('damaged');
  });

  it('an emptied trail is detected', async () => {
    await writeFile(path, '');
    expect((await verifyAuditTrail(path)).problems[0]?.message).toContain('has no records but its head names seq 6');
  });

  it('a foreign or broken line is reported with its file and line', async () => {
    const ls = await lines();
    ls.splice(1, 0, '2024-05-01T10:00:00|ALLOWED|bash|ok|ls -la');
    await writeLines(ls);
    const r = await verifyAuditTrail(path);
    expect(r.problems[0]).toMatchObject({ line: 2, message: expect.stringContaining('legacy pipe format') });
  });
});

describe('across rotation', () => {
  it('a deleted middle rotated file is detected at the first record after it', async () => {
    await appendMany(path, 12, { maxBytes: 1500, backups: 0 });
    const rotated = await listRotated(path);
    await unlink(rotated[1]!.path);
    const r = await verifyAuditTrail(path);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: rotated[2]!.path, line: 1, message: expect.stringContaining('seq jumps') });
  });

  it('deleting the oldest rotated file by hand is detected (the chain no longer starts at the beginning)', async () => {
    await appendMany(path, 12, { maxBytes: 1500, backups: 0 });
    const rotated = await listRotated(path);
    await unlink(rotated[0]!.path);
    const r = await verifyAuditTrail(path);
    expect(r.problems[0]).toMatchObject({ file: rotated[1]!.path, line: 1, message: expect.stringContaining('does not start at the beginning') });
  });

  it('skips, with a warning, old files an interrupted rotation left behind', async () => {
    await appendMany(path, 20, { maxBytes: 1200, backups: 2 });
    // Simulate the crash window: the head's base moved on but an old file was not deleted yet.
    const leftover = `${path}.20000101-000000`;
    const first = (await lines((await listRotated(path))[0]!.path))[0]!;
    const older = JSON.parse(first);
    await writeFile(leftover, `${JSON.stringify({ ...older, seq: older.seq - 1 })}\n`);
    const r = await verifyAuditTrail(path);
    expect(r.problems).toEqual([]);
    expect(r.warnings[0]).toContain('skipped');
  });
});

describe('appending after damage keeps the evidence', () => {
  it('a torn last line from a crashed run is closed off; the new record starts on its own line', async () => {
    await appendMany(path, 2);
    await writeFile(path, `${await readFile(path, 'utf8')}{"v":1,"seq":3,"ti`);
    await appendMany(path, 1, {}, 3);
    const ls = await lines();
    expect(ls).toHaveLength(4);
    const r = await verifyAuditTrail(path);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ line: 3, message: 'not a JSON record' });
  });

  it('after the tail was cut, the next record follows the head, so the cut stays visible', async () => {
    await appendMany(path, 5);
    await writeLines((await lines()).slice(0, 3));
    const warnings: string[] = [];
    await appendAuditRecord(entry(6), { path, maxBytes: 0, backups: 0, log: { warn: (m) => warnings.push(m) } });
    expect(warnings[0]).toContain('does not end at the record its head names');
    const r = await verifyAuditTrail(path);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ line: 4, seq: 6, message: expect.stringContaining('seq jumps from 3 to 6') });
  });

  it('a head one record behind (crash between append and head update) is a warning and is repaired by the next append', async () => {
    await appendMany(path, 3);
    const head = JSON.parse(await readFile(headPath(path), 'utf8'));
    await appendMany(path, 1, {}, 4);
    await writeFile(headPath(path), JSON.stringify(head));
    const lagging = await verifyAuditTrail(path);
    expect(lagging.ok).toBe(true);
    expect(lagging.warnings[0]).toContain('one record behind');
    await appendMany(path, 1, {}, 5);
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true, records: 5, warnings: [] });
  });

  it('a lost head is recreated from the last record, with a warning', async () => {
    await appendMany(path, 2);
    await unlink(headPath(path));
    const warnings: string[] = [];
    await appendAuditRecord(entry(3), { path, maxBytes: 0, backups: 0, log: { warn: (m) => warnings.push(m) } });
    expect(warnings[0]).toContain('head file');
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true, records: 3 });
  });

  it('leaves no temp or lock files behind', async () => {
    await appendMany(path, 3, { maxBytes: 600, backups: 1 });
    const names = await readdir(dir);
    expect(names.filter((n) => /tmp|lock/.test(n))).toEqual([]);
    expect(names).toContain('audit.jsonl.head');
    expect(join(dir, 'audit.jsonl')).toBe(path);
  });
});
