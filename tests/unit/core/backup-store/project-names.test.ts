import { mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../../../src/core/backup-store/apply-retention.js';
import { archivePath, parseArchiveName, parseProjectArchiveName } from '../../../../src/core/backup-store/naming.js';

const at = new Date('2026-02-03T04:05:06Z');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('project archive names', () => {
  it('names a project backup and its safety copy by label and UTC stamp, plain or encrypted', () => {
    expect(archivePath('/b', 'project', at, false, 'my-app')).toBe('/b/project_my-app_20260203_040506.tar.gz');
    expect(archivePath('/b', 'project-pre-restore', at, true, 'my-app')).toBe('/b/project_pre_restore_my-app_20260203_040506.tar.gz.age');
    expect(archivePath('/b', 'userdata', at)).toBe('/b/userdata_20260203_040506.tar.gz');
  });

  it('reads them back with kind and label; a label never holds "_", so the safety copy is never a project called "pre_restore…"', () => {
    expect(parseArchiveName('project_my-app_20260203_040506.tar.gz')).toEqual({ kind: 'project', label: 'my-app', stampedAt: at, encrypted: false });
    expect(parseArchiveName('project_pre_restore_my-app_20260203_040506.tar.gz.age')).toEqual({ kind: 'project-pre-restore', label: 'my-app', stampedAt: at, encrypted: true });
    expect(parseArchiveName('project_pre_20260203_040506.tar.gz')).toMatchObject({ kind: 'project', label: 'pre' });
    expect(parseProjectArchiveName('project_pre_restore_my-app_20260203_040506.tar.gz')).toBeUndefined();
    expect(parseArchiveName('project_a_b_20260203_040506.tar.gz')).toBeUndefined();
    expect(parseArchiveName('project_my-app_20261399_040506.tar.gz')).toBeUndefined();
    expect(parseArchiveName('userdata_20260203_040506.tar.gz')).toEqual({ kind: 'userdata', stampedAt: at, encrypted: false });
  });
});

describe('retention per project', () => {
  it('plans each project on its own: the newest of every project is kept, another project never counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-project-retention-'));
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    const names = ['project_a_20260101_000000', 'project_a_20260102_000000', 'project_b_20250101_000000', 'userdata_20250101_000000'];
    for (const n of names) {
      // Without a manifest a backup is dated by its file time: give each the time its name says.
      writeFileSync(join(dir, `${n}.tar.gz`), '');
      const [, d, t] = /_(\d{8})_(\d{6})$/.exec(n)!;
      const at = new Date(`${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6)}T${t!.slice(0, 2)}:${t!.slice(2, 4)}:${t!.slice(4)}Z`);
      utimesSync(join(dir, `${n}.tar.gz`), at, at);
    }
    const plan = await applyRetention({ dir, kind: 'project', policy: { keepLast: 1, keepMin: 1 }, now: new Date('2026-06-01T00:00:00Z'), dryRun: true });
    const removed = plan.decisions.filter((d) => d.action === 'remove').map((d) => d.path.split('/').pop());
    expect(removed).toEqual(['project_a_20260101_000000.tar.gz']);
    const onlyB = await applyRetention({ dir, kind: 'project', label: 'b', policy: { keepLast: 1, keepMin: 1 }, now: new Date('2026-06-01T00:00:00Z'), dryRun: true });
    expect(onlyB.decisions.map((d) => [d.path.split('/').pop(), d.action])).toEqual([['project_b_20250101_000000.tar.gz', 'keep']]);
  });
});
