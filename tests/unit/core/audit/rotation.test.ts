import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAuditRecord } from '../../../../src/core/audit/append.js';
import { listRotated, rotatedStamp, rotateFile } from '../../../../src/core/audit/files.js';
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

// Names the app's rotation would have matched with its `<basename>.` prefix (original-scripts.md §8).
const FOREIGN = ['audit.jsonl.bak', 'audit.jsonl.old', 'audit.jsonl.20240101-000000.bak', 'audit.jsonl.2024-01-01', 'audit.jsonl.x20240101-000000', 'other.jsonl.20240101-000000', 'audit.jsonl.head.bak'];

describe('rotation', () => {
  it('names rotated files <name>.<YYYYmmdd-HHMMSS> in UTC', () => {
    expect(rotatedStamp(new Date('2025-03-04T05:06:07.890Z'))).toBe('20250304-050607');
  });

  it('rotates before a write that would pass maxBytes and keeps every file under it', async () => {
    await appendMany(path, 10, { maxBytes: 1000, backups: 0 });
    const rotated = await listRotated(path);
    expect(rotated.length).toBeGreaterThan(3);
    for (const f of [...rotated.map((r) => r.path), path]) expect((await stat(f)).size).toBeLessThanOrEqual(1000);
  });

  it('never rotates with maxBytes 0', async () => {
    await appendMany(path, 10, { maxBytes: 0, backups: 1 });
    expect(await listRotated(path)).toEqual([]);
  });

  it('keeps the newest `backups` rotated files and all of them with backups 0', async () => {
    await appendMany(path, 12, { maxBytes: 900, backups: 2 });
    expect((await listRotated(path)).length).toBe(2);
    const { path: other } = await trailDir();
    await appendMany(other, 12, { maxBytes: 900, backups: 0 });
    expect((await listRotated(other)).length).toBeGreaterThan(4);
  });

  it('never reads, renames or deletes foreign files that share the prefix', async () => {
    for (const name of FOREIGN) await writeFile(join(dir, name), `foreign ${name}\n`);
    await appendMany(path, 15, { maxBytes: 900, backups: 1 });
    const names = await readdir(dir);
    for (const name of FOREIGN) {
      expect(names).toContain(name);
      expect(await readFile(join(dir, name), 'utf8')).toBe(`foreign ${name}\n`);
    }
    expect((await listRotated(path)).map((r) => r.path)).not.toEqual(expect.arrayContaining(FOREIGN.map((n) => join(dir, n))));
    expect((await verifyAuditTrail(path)).ok).toBe(true);
  });

  it('gives rotations within one second increasing names and never reuses a pruned one', async () => {
    const at = new Date('2025-01-01T00:00:00Z');
    for (let i = 1; i <= 4; i++) {
      await appendAuditRecord(entry(i), { path, maxBytes: 1, backups: 2, now: () => at });
    }
    const names = (await listRotated(path)).map((r) => r.path.slice(path.length));
    expect(names).toEqual(['.20250101-000000-1', '.20250101-000000-2']);
    expect((await verifyAuditTrail(path)).ok).toBe(true);
  });

  it('keeps name order when the clock goes backwards', async () => {
    await writeFile(path, 'x\n');
    const first = await rotateFile(path, new Date('2025-06-01T00:00:00Z'));
    await writeFile(path, 'y\n');
    const second = await rotateFile(path, new Date('2025-05-01T00:00:00Z'));
    expect((await listRotated(path)).map((r) => r.path)).toEqual([first, second]);
    expect(second).toBe(`${path}.20250601-000000-1`);
  });
});
