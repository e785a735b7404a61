import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../../../src/core/backup-store/apply-retention.js';
import { listBackups } from '../../../../src/core/backup-store/catalog.js';
import { archivePath, parseArchiveName } from '../../../../src/core/backup-store/naming.js';

// `.tar.gz.age` archives (issue 21) are backups like the plain ones: named, listed, pruned with
// their sidecars, and their orphaned sidecars swept.

const NOW = new Date('2026-12-01T03:00:00Z');
const DAY = 86_400_000;

function put(dir: string, name: string, ageDays: number, sidecars = true): void {
  for (const f of [name, ...(sidecars ? [`${name}.sha256`, `${name}.manifest.json`] : [])]) {
    writeFileSync(join(dir, f), f.endsWith('.json') ? '{}' : 'x');
    const at = new Date(NOW.getTime() - ageDays * DAY);
    utimesSync(join(dir, f), at, at);
  }
}

describe('encrypted archive names', () => {
  it('names and parses .tar.gz.age beside .tar.gz', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    expect(archivePath('/b', 'falkordb', at, true)).toBe('/b/falkordb_data_20260102_030405.tar.gz.age');
    expect(parseArchiveName('userdata_20260102_030405.tar.gz.age')).toEqual({ kind: 'userdata', stampedAt: at, encrypted: true });
    expect(parseArchiveName('userdata_20260102_030405.tar.gz')?.encrypted).toBe(false);
    expect(parseArchiveName('userdata_20260102_030405.tar.gz.age.sha256')).toBeUndefined();
    expect(parseArchiveName('userdata_20260102_030405.age')).toBeUndefined();
  });

  it('lists both forms, prunes an old .age with its sidecars, sweeps an orphaned .age sidecar', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-encnames-'));
    put(dir, 'falkordb_data_20261120_030000.tar.gz.age', 11);
    put(dir, 'falkordb_data_20261125_030000.tar.gz', 6);
    put(dir, 'falkordb_data_20261130_030000.tar.gz.age', 1);
    writeFileSync(join(dir, 'falkordb_data_20261101_030000.tar.gz.age.sha256'), 'x');
    const listed = await listBackups(dir, 'falkordb');
    expect(listed.map((r) => [r.archive.split('/').at(-1), r.encrypted])).toEqual([
      ['falkordb_data_20261130_030000.tar.gz.age', true],
      ['falkordb_data_20261125_030000.tar.gz', false],
      ['falkordb_data_20261120_030000.tar.gz.age', true],
    ]);
    const result = await applyRetention({ dir, kind: 'falkordb', policy: { retentionDays: 7, keepMin: 1 }, now: NOW });
    expect(result.removed.map((p) => p.split('/').at(-1)).sort()).toEqual([
      'falkordb_data_20261101_030000.tar.gz.age.sha256',
      'falkordb_data_20261120_030000.tar.gz.age',
      'falkordb_data_20261120_030000.tar.gz.age.manifest.json',
      'falkordb_data_20261120_030000.tar.gz.age.sha256',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'falkordb_data_20261125_030000.tar.gz',
      'falkordb_data_20261125_030000.tar.gz.manifest.json',
      'falkordb_data_20261125_030000.tar.gz.sha256',
      'falkordb_data_20261130_030000.tar.gz.age',
      'falkordb_data_20261130_030000.tar.gz.age.manifest.json',
      'falkordb_data_20261130_030000.tar.gz.age.sha256',
    ]);
  });
});
