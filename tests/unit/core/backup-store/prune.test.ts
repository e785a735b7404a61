import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../../../src/core/backup-store/apply-retention.js';
import type { BackupRecord } from '../../../../src/core/backup-store/catalog.js';
import { findLeftovers } from '../../../../src/core/backup-store/leftovers.js';
import { executePrune, planPrune, type PruneDecision, type RetentionPolicy } from '../../../../src/core/backup-store/prune.js';
import { describeDecision } from '../../../../src/output/backup.js';

const NOW = new Date('2026-06-15T03:00:00Z');
const DAY = 86_400_000;
const rec = (ageDays: number, kind: BackupRecord['kind'] = 'falkordb'): BackupRecord => ({
  kind,
  archive: `/b/${kind}-${ageDays}.tar.gz`,
  encrypted: false,
  bytes: 1,
  createdAt: new Date(NOW.getTime() - ageDays * DAY),
  createdAtSource: 'manifest',
  hasSidecar: true,
  hasManifest: ageDays !== 3,
});
const actions = (ds: PruneDecision[]) => ds.map((d) => `${d.action === 'keep' ? 'K' : 'R'}${d.path.match(/falkordb-(-?[\d.]+)\.tar/)![1]}`).join(' ');

describe('planPrune', () => {
  const ages = [0, 1, 3, 7, 8, 30];
  const rows: Array<[string, RetentionPolicy, number[], string]> = [
    ['no policy keeps everything', { keepMin: 1 }, ages, 'K0 K1 K3 K7 K8 K30'],
    ['days: older than 7 days go (7.0 stays)', { retentionDays: 7, keepMin: 1 }, ages, 'K0 K1 K3 K7 R8 R30'],
    ['keep-last 2', { keepLast: 2, keepMin: 1 }, ages, 'K0 K1 R3 R7 R8 R30'],
    ['days and keep-last: only what both let go', { retentionDays: 2, keepLast: 4, keepMin: 1 }, ages, 'K0 K1 K3 K7 R8 R30'],
    ['the newest stays even when everything is old', { retentionDays: 7, keepMin: 1 }, [30, 40, 50], 'K30 R40 R50'],
    ['keep-min floors days', { retentionDays: 7, keepMin: 3 }, [30, 40, 50, 60], 'K30 K40 K50 R60'],
    ['keep-min floors keep-last', { keepLast: 1, keepMin: 2 }, [1, 2, 3], 'K1 K2 R3'],
    ['retention 0 removes all but the newest', { retentionDays: 0, keepMin: 1 }, [0.5, 1, 2], 'K0.5 R1 R2'],
    ['a future-dated backup (clock skew) is kept but not counted', { retentionDays: 1, keepMin: 1 }, [-2, 0.5, 5], 'K-2 K0.5 R5'],
    ['a future-dated backup never pushes the newest real one out of keep-last', { keepLast: 1, keepMin: 1 }, [-2, 0.5, 5], 'K-2 K0.5 R5'],
    ['a few minutes ahead (skew between hosts) still counts', { keepLast: 1, keepMin: 1 }, [-0.002, 0.5], 'K-0.002 R0.5'],
    ['sorted newest first whatever the input order', { keepLast: 1, keepMin: 1 }, [9, 2, 5], 'K2 R5 R9'],
    ['empty folder', { retentionDays: 1, keepMin: 1 }, [], ''],
  ];
  it.each(rows)('%s', (_name, policy, input, expected) => {
    expect(actions(planPrune(input.map((a) => rec(a)), policy, NOW))).toBe(expected);
  });

  it('gives a reason for each decision and lists the files removal deletes', () => {
    const ds = planPrune([rec(0), rec(3), rec(9)], { retentionDays: 7, keepMin: 1 }, NOW);
    expect(ds.map((d) => d.reason)).toEqual(['newest backup (always kept)', '3.0 days old, within 7 days (--retention-days)', '9.0 days old: older than 7 days']);
    expect(ds[2]!.files).toEqual(['/b/falkordb-9.tar.gz', '/b/falkordb-9.tar.gz.sha256', '/b/falkordb-9.tar.gz.manifest.json']);
    expect(ds[1]!.files).toEqual(['/b/falkordb-3.tar.gz', '/b/falkordb-3.tar.gz.sha256']);
    expect(describeDecision(ds[2]!)).toBe('remove falkordb-9.tar.gz (9.0 days old: older than 7 days)');
    expect(describeDecision(ds[0]!)).toBe('keep   falkordb-0.tar.gz (newest backup (always kept))');
    expect(planPrune([rec(0), rec(5)], { keepLast: 1, keepMin: 1 }, NOW)[1]!.reason).toBe('not among the newest 1 (--keep-last)');
  });

  it('never removes the archive the run has just written, and says why a future-dated one stays', () => {
    const ds = planPrune([rec(-0.002), rec(0.5), rec(-30)], { keepLast: 1, keepMin: 1 }, NOW, { keep: '/b/falkordb-0.5.tar.gz' });
    expect(actions(ds)).toBe('K-30 K-0.002 K0.5');
    expect(ds[0]!.reason).toMatch(/^dated in the future/);
    expect(ds[2]!.reason).toBe('written by this run (a run never removes its own backup)');
  });

  it('refuses to plan mixed kinds (each kind keeps its own newest)', () => {
    expect(() => planPrune([rec(1), rec(2, 'userdata')], { keepLast: 1, keepMin: 1 }, NOW)).toThrow(TypeError);
  });
});

describe('executePrune', () => {
  const ds = planPrune([rec(0), rec(9), rec(10)], { retentionDays: 7, keepMin: 1 }, NOW);
  it('removes archive first, then sidecars, and reports failures without throwing', async () => {
    const removed: string[] = [];
    const outcome = await executePrune(ds, async (p) => {
      if (p === '/b/falkordb-10.tar.gz') throw new Error('EBUSY');
      removed.push(p);
    });
    expect(removed).toEqual(['/b/falkordb-9.tar.gz', '/b/falkordb-9.tar.gz.sha256', '/b/falkordb-9.tar.gz.manifest.json']);
    // The archive that could not be removed keeps its sidecars.
    expect(outcome.failures).toEqual([{ path: '/b/falkordb-10.tar.gz', error: expect.objectContaining({ message: 'EBUSY' }) }]);
  });
});

describe('applyRetention on a real folder', () => {
  it('touches only this kind directly in the folder, sidecars with their archive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-prune-'));
    const make = (name: string, ageDays: number) => {
      writeFileSync(join(dir, name), 'x');
      const t = new Date(NOW.getTime() - ageDays * DAY);
      utimesSync(join(dir, name), t, t);
    };
    make('falkordb_data_20260101_000000.tar.gz', 40);
    make('falkordb_data_20260101_000000.tar.gz.sha256', 40);
    make('falkordb_data_20260102_000000.tar.gz', 39);
    make('falkordb_data_20260614_000000.tar.gz', 1);
    make('falkordb_pre_restore_20260101_000000.tar.gz', 40);
    make('userdata_20260101_000000.tar.gz', 40);
    make('falkordb_data_20260101_000000.tar.gz.bak', 40);
    make('notes.txt', 40);
    const sub = join(dir, 'old');
    (await import('node:fs')).mkdirSync(sub);
    writeFileSync(join(sub, 'falkordb_data_20250101_000000.tar.gz'), 'x');
    const plan = await applyRetention({ dir, kind: 'falkordb', policy: { retentionDays: 7, keepMin: 1 }, now: NOW, dryRun: true });
    expect(plan.removed).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(9);
    const result = await applyRetention({ dir, kind: 'falkordb', policy: { retentionDays: 7, keepMin: 1 }, now: NOW });
    expect(result.removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'falkordb_data_20260101_000000.tar.gz',
      'falkordb_data_20260101_000000.tar.gz.sha256',
      'falkordb_data_20260102_000000.tar.gz',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'falkordb_data_20260101_000000.tar.gz.bak',
      'falkordb_data_20260614_000000.tar.gz',
      'falkordb_pre_restore_20260101_000000.tar.gz',
      'notes.txt',
      'old',
      'userdata_20260101_000000.tar.gz',
    ]);
    expect(readdirSync(sub)).toEqual(['falkordb_data_20250101_000000.tar.gz']);
  });
});

describe('findLeftovers', () => {
  it('finds temporaries of dead runs over an hour old and sidecars without archive, of this kind only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-left-'));
    const old = new Date(NOW.getTime() - 2 * 3_600_000);
    const files: Record<string, Date> = {
      '.falkordb_data_20260101_000000.tar.gz.tmp-4242-deadbeef': old,
      '.falkordb_data_20260101_000000.tar.gz.sha256.tmp-4242-deadbeef': old,
      '.falkordb_data_20260102_000000.tar.gz.tmp-777-cafebabe': old,
      '.falkordb_data_20260103_000000.tar.gz.tmp-4242-00000000': NOW,
      '.userdata_20260101_000000.tar.gz.tmp-4242-deadbeef': old,
      'falkordb_data_20260104_000000.tar.gz.manifest.json': old,
      'falkordb_data_20260105_000000.tar.gz.sha256': old,
      'falkordb_data_20260105_000000.tar.gz': old,
    };
    for (const [name, t] of Object.entries(files)) {
      writeFileSync(join(dir, name), 'x');
      utimesSync(join(dir, name), t, t);
    }
    const found = await findLeftovers(dir, 'falkordb', { now: NOW, isAlive: (pid) => pid === 777 });
    expect(found.map((d) => [d.path.slice(dir.length + 1), d.reason])).toEqual([
      ['.falkordb_data_20260101_000000.tar.gz.sha256.tmp-4242-deadbeef', 'temporary file left by an interrupted run (pid 4242)'],
      ['.falkordb_data_20260101_000000.tar.gz.tmp-4242-deadbeef', 'temporary file left by an interrupted run (pid 4242)'],
      ['falkordb_data_20260104_000000.tar.gz.manifest.json', 'sidecar of an archive that no longer exists'],
    ]);
    expect(await findLeftovers(join(dir, 'missing'), 'falkordb', { now: NOW })).toEqual([]);
  });
});
