import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProjectArchiveName, projectArchivePath, projectLabel } from '../../../../src/core/backup-store/naming.js';
import { taskLogsCheck } from '../../../../src/core/health/checks/task-logs.js';
import { listProjects } from '../../../../src/core/projects/list-projects.js';
import { projectsOf, scanProject } from '../../../../src/core/stack/projects.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

/** A userData folder with a projects.json written the way the app writes it (app-rules.md §4). */
function fixture(): { dir: string; ud: string; a: string; b: string; gone: string; backups: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aco-proj-'));
  const [ud, a, b, gone, backups] = ['ud', 'alpha', 'beta', 'gone', 'bk'].map((n) => join(dir, n)) as [string, string, string, string, string];
  mkdirSync(join(ud, 'store'), { recursive: true });
  mkdirSync(join(a, '.auto-codex', 'specs', '001-first', 'logs'), { recursive: true });
  mkdirSync(join(a, '.auto-codex', 'specs', '002-second'), { recursive: true });
  writeFileSync(join(a, '.auto-codex', 'specs', '001-first', 'task_logs.json'), '{"spec_id":"001-first"}');
  writeFileSync(join(a, '.auto-codex', 'specs', '002-second', 'task_logs.json'), '{"spec_id":"002-second","phases":{}}');
  mkdirSync(b);
  mkdirSync(backups);
  const project = (id: string, path: string) => ({ id, name: id, path, autoBuildPath: '.auto-codex', settings: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
  writeFileSync(join(ud, 'store', 'projects.json'), JSON.stringify({ projects: [project('a', a), project('b', b), project('g', gone)], settings: {} }, null, 2));
  return { dir, ud, a, b, gone, backups };
}

describe('projectsOf', () => {
  it('reads the paths of the app list, and says why when there is none', async () => {
    const f = fixture();
    expect((await projectsOf(f.ud)).paths).toEqual([f.a, f.b, f.gone]);
    const none = await projectsOf(join(f.dir, 'nowhere'));
    expect(none.paths).toEqual([]);
    expect(none.problem).toMatch(/projects\.json/);
    writeFileSync(join(f.ud, 'store', 'projects.json'), '{"projects":[{"path":""},{"path":3},null]}');
    expect((await projectsOf(f.ud)).paths).toEqual([]);
  });
});

describe('scanProject', () => {
  it('counts specs and task logs and never follows a link', async () => {
    const f = fixture();
    const outside = join(f.dir, 'outside.bin');
    writeFileSync(outside, 'x'.repeat(10_000));
    symlinkSync(outside, join(f.a, '.auto-codex', 'specs', '001-first', 'logs', 'link'));
    symlinkSync(outside, join(f.a, '.auto-codex', 'specs', '002-second', 'task_logs.json.link'));
    const scan = await scanProject(f.a);
    expect(scan).toMatchObject({ state: 'ok', specs: 2 });
    expect(scan.taskLogs.map((t) => t.spec).sort()).toEqual(['001-first', '002-second']);
    expect(scan.bytes).toBeLessThan(1000);
    expect((await scanProject(f.b)).state).toBe('no-auto-codex');
    expect((await scanProject(f.gone)).state).toBe('missing');
  });
});

describe('project archive names', () => {
  it('makes the basename filename-safe and parses it back', () => {
    expect(projectLabel('my app_v2 (copy)')).toBe('my-app-v2-copy-');
    expect(projectLabel('...')).toBe('project');
    const p = projectArchivePath('/b', 'my-app', new Date('2026-02-03T04:05:06Z'), true);
    expect(p).toBe('/b/project_my-app_20260203_040506.tar.gz.age');
    expect(parseProjectArchiveName('project_my-app_20260203_040506.tar.gz.age')).toEqual({ label: 'my-app', stampedAt: new Date('2026-02-03T04:05:06Z'), encrypted: true });
    expect(parseProjectArchiveName('project_a_b_20260203_040506.tar.gz')).toBeUndefined();
    expect(parseProjectArchiveName('userdata_20260203_040506.tar.gz')).toBeUndefined();
  });
});

describe('listProjects', () => {
  it('lists the app projects with sizes, the largest task log and the newest backup of each', async () => {
    const f = fixture();
    writeFileSync(join(f.backups, 'project_alpha_20260101_000000.tar.gz'), '');
    writeFileSync(join(f.backups, 'project_alpha_20260301_000000.tar.gz'), '');
    writeFileSync(join(f.backups, 'project_beta-2_20260401_000000.tar.gz'), '');
    const r = await listProjects({ projects: [], userdataDir: f.ud, backupDir: f.backups });
    expect(r.source).toBe('projects.json');
    expect(r.projects.map((p) => [p.state, p.specs, p.largestTaskLog?.spec ?? null, p.newestBackup?.name ?? null])).toEqual([
      ['ok', 2, '002-second', 'project_alpha_20260301_000000.tar.gz'],
      ['no-auto-codex', 0, null, null],
      ['missing', 0, null, null],
    ]);
  });

  it('uses --project folders instead of the app list', async () => {
    const f = fixture();
    const r = await listProjects({ projects: [f.b], userdataDir: join(f.dir, 'nowhere'), backupDir: join(f.dir, 'none') });
    expect(r).toMatchObject({ source: 'option', projects: [{ path: f.b, state: 'no-auto-codex' }] });
    expect(r.problem).toBeUndefined();
  });
});

describe('task-logs check', () => {
  // The check reads its two variables from the environment programs run with (ctx.env).
  const run = (ud: string, env: Record<string, string> = {}) => taskLogsCheck.run({ ...fakeHealthContext({ env: { USERDATA_DIR: ud } }), env });

  it('is skipped without projects, ok with small logs, warns naming the project and spec over the limit', async () => {
    const f = fixture();
    expect((await run(join(f.dir, 'nowhere'))).status).toBe('skip');
    expect(await run(f.ud, { AUTO_CODEX_TASK_LOG_MAX_ENTRIES: '2000' })).toMatchObject({ status: 'ok' });
    truncateSync(join(f.a, '.auto-codex', 'specs', '002-second', 'task_logs.json'), 3 * 1024 * 1024);
    const r = await run(f.ud, { AUTO_CODEX_TASK_LOG_WARN_MB: '2', AUTO_CODEX_TASK_LOG_MAX_ENTRIES: '2000' });
    expect(r.status).toBe('warn');
    expect(r.message).toContain(`${f.a} spec 002-second`);
    expect(r.hint).toMatch(/AUTO_CODEX_TASK_LOG_MAX_ENTRIES/);
  });

  it('warns when pruning is off while logs are large, and reads the project .env', async () => {
    const f = fixture();
    truncateSync(join(f.a, '.auto-codex', 'specs', '001-first', 'task_logs.json'), 1.5 * 1024 * 1024);
    expect((await run(f.ud, { AUTO_CODEX_TASK_LOG_WARN_MB: '2' })).message).toMatch(/unset or 0/);
    expect((await run(f.ud, { AUTO_CODEX_TASK_LOG_WARN_MB: '2', AUTO_CODEX_TASK_LOG_MAX_ENTRIES: '0' })).status).toBe('warn');
    writeFileSync(join(f.a, '.auto-codex', '.env'), 'AUTO_CODEX_TASK_LOG_MAX_ENTRIES=500\n');
    expect((await run(f.ud, { AUTO_CODEX_TASK_LOG_WARN_MB: '2' })).status).toBe('ok');
  });
});
