import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendDrillRecord, DRILL_RECORDS, lastDrillOf, readDrillRecords } from '../../../../src/core/backup-store/drill-records.js';
import { restoreDrillCheck } from '../../../../src/core/health/checks/drill.js';
import type { CheckContext } from '../../../../src/core/health/types.js';
import { scratchDirs } from '../../../helpers/scratch-dirs.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const scratch = scratchDirs('aco-drill-rec-');

function folder(withBackup = true): string {
  const d = scratch();
  if (withBackup) writeFileSync(join(d, 'falkordb_data_20260501_030000.tar.gz'), 'x');
  return d;
}

const ctx = (backupDir: string, over: { maxDays?: number; enforced?: boolean } = {}) =>
  ({ config: { backupDir, drillMaxAgeDays: over.maxDays ?? 92, enforce: { backups: over.enforced ?? false } }, now: () => NOW }) as unknown as CheckContext;

const drill = (dir: string, at: string, ok: boolean, file = 'falkordb_data_20260501_030000.tar.gz') =>
  appendDrillRecord(dir, { at, kind: 'falkordb', archive: join(dir, file), sha256: 'a'.repeat(64), ok, keys: 10, problems: ok ? [] : ['key count 9, manifest 10'] });

describe('restore-drill', () => {
  it('ok for a recent successful drill; warn when too old, fail when enforced; 0 disables', async () => {
    const d = folder();
    await drill(d, '2026-05-20T00:00:00Z', true);
    expect(await restoreDrillCheck.run(ctx(d))).toMatchObject({ status: 'ok' });
    expect(await restoreDrillCheck.run(ctx(d, { maxDays: 5 }))).toMatchObject({ status: 'warn' });
    expect(await restoreDrillCheck.run(ctx(d, { maxDays: 5, enforced: true }))).toMatchObject({ status: 'fail' });
    expect(await restoreDrillCheck.run(ctx(d, { maxDays: 0 }))).toMatchObject({ status: 'ok', message: expect.stringContaining('disabled') });
  });

  it('a failed newest drill fails even when an older one succeeded', async () => {
    const d = folder();
    await drill(d, '2026-05-01T00:00:00Z', true);
    await drill(d, '2026-05-30T00:00:00Z', false);
    expect(await restoreDrillCheck.run(ctx(d))).toMatchObject({ status: 'fail', message: expect.stringContaining('key count 9, manifest 10') });
  });

  it('no drill at all warns; no backups skips; a drill dated in the future does not count as fresh', async () => {
    const d = folder();
    expect(await restoreDrillCheck.run(ctx(d))).toMatchObject({ status: 'warn' });
    expect(await restoreDrillCheck.run(ctx(folder(false)))).toMatchObject({ status: 'skip' });
    await drill(d, '2027-01-01T00:00:00Z', true);
    expect(await restoreDrillCheck.run(ctx(d))).toMatchObject({ status: 'warn', message: expect.stringContaining('future') });
  });
});

describe('restore-drill over userData backups (both kinds are judged, the worst decides)', () => {
  const udrill = (dir: string, at: string, ok: boolean) =>
    appendDrillRecord(dir, { at, kind: 'userdata', archive: join(dir, 'userdata_20260501_030000.tar.gz'), sha256: 'b'.repeat(64), ok, problems: ok ? [] : ['settings.json missing'] });

  it('userData backups without a drill warn even when FalkorDB is drilled; a drill of each is ok', async () => {
    const d = folder();
    writeFileSync(join(d, 'userdata_20260501_030000.tar.gz'), 'x');
    await drill(d, '2026-05-20T00:00:00Z', true);
    const missing = await restoreDrillCheck.run(ctx(d));
    expect(missing).toMatchObject({ status: 'warn', message: expect.stringContaining('No restore drill of a userData backup'), hint: expect.stringContaining('drill userdata --latest') });
    expect(missing.message).toContain('Newest successful FalkorDB restore drill');
    await udrill(d, '2026-05-21T00:00:00Z', true);
    expect(await restoreDrillCheck.run(ctx(d))).toMatchObject({ status: 'ok', message: expect.stringContaining('userData restore drill: 11.0 days ago') });
  });

  it('a failed userData drill fails the check; only userData backups are judged alone', async () => {
    const d = folder(false);
    writeFileSync(join(d, 'userdata_20260501_030000.tar.gz'), 'x');
    await udrill(d, '2026-05-21T00:00:00Z', false);
    expect(await restoreDrillCheck.run(ctx(d))).toMatchObject({ status: 'fail', message: expect.stringContaining('settings.json missing') });
    expect((await restoreDrillCheck.run(ctx(d))).message).not.toContain('FalkorDB');
  });
});

describe('drill records', () => {
  it('skip a cut line and find the newest drill of an archive by name', async () => {
    const d = folder();
    await drill(d, '2026-05-01T00:00:00Z', true);
    await drill(d, '2026-05-02T00:00:00Z', false);
    writeFileSync(join(d, DRILL_RECORDS), '{"at":"2026-05-03', { flag: 'a' });
    const records = await readDrillRecords(d);
    expect(records).toHaveLength(2);
    expect(lastDrillOf(records, '/elsewhere/falkordb_data_20260501_030000.tar.gz')).toMatchObject({ ok: false, at: '2026-05-02T00:00:00Z' });
    expect(lastDrillOf(records, 'other.tar.gz')).toBeUndefined();
  });
});
