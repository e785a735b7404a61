import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PrerequisiteError, UsageError } from '../../../../src/core/errors.js';
import { selectProjects } from '../../../../src/core/projects/backup-projects.js';
import { renderProjectBackups } from '../../../../src/output/projects.js';

const base = mkdtempSync(join(tmpdir(), 'aco-select-projects-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('selectProjects', () => {
  it('takes the named folders, resolved against the working directory, each once', async () => {
    expect(await selectProjects({ dirs: ['a', '/srv/b', './a'], all: false, userdataDir: base, cwd: '/work' })).toEqual(['/work/a', '/srv/b']);
  });

  it('neither folders nor --all, or both, is a usage error', async () => {
    await expect(selectProjects({ dirs: [], all: false, userdataDir: base, cwd: '/' })).rejects.toBeInstanceOf(UsageError);
    await expect(selectProjects({ dirs: ['a'], all: true, userdataDir: base, cwd: '/' })).rejects.toThrow(/not both/);
  });

  it('--all reads the app list; an unreadable one is a missing prerequisite naming the file', async () => {
    await expect(selectProjects({ dirs: [], all: true, userdataDir: join(base, 'none'), cwd: '/' })).rejects.toBeInstanceOf(PrerequisiteError);
    mkdirSync(join(base, 'ud', 'store'), { recursive: true });
    writeFileSync(join(base, 'ud', 'store', 'projects.json'), JSON.stringify({ projects: [{ path: '/p/one' }, { path: '/p/one' }, { path: '' }, { name: 'no path' }], settings: {} }));
    expect(await selectProjects({ dirs: [], all: true, userdataDir: join(base, 'ud'), cwd: '/' })).toEqual(['/p/one']);
  });
});

describe('renderProjectBackups', () => {
  it('one line per project and the totals', () => {
    const text = renderProjectBackups({
      kind: 'project',
      subset: 'full',
      outputDir: '/b',
      durationMs: 10,
      failed: 1,
      projects: [
        { project: '/p/a', status: 'ok', archive: '/b/project_a_20260101_000000.tar.gz', bytes: 2048, entries: 5, sha256: 'ab'.repeat(32), pruned: ['/b/x'], warnings: [], offsite: { ok: true, url: 's3://k/a' } },
        { project: '/p/b', status: 'skipped', reason: 'no .auto-codex/ folder', warnings: [] },
        { project: '/p/c', status: 'failed', reason: 'the project folder does not exist', warnings: [] },
      ],
    });
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^ok {7}\/p\/a -> \/b\/project_a_20260101_000000\.tar\.gz: 2\.0 KiB, 5 entries, verified; sha256 abababababab…; retention removed 1 file\(s\); offsite s3:\/\/k\/a$/),
      'skipped  /p/b: no .auto-codex/ folder',
      'FAILED   /p/c: the project folder does not exist',
      '1 backed up (.auto-codex/), 1 skipped, 1 failed.',
    ]);
  });
});
