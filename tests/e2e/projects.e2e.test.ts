import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');

function setup(): { dir: string; env: Record<string, string>; project: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aco-e2e-projects-'));
  const project = join(dir, 'my app');
  mkdirSync(join(project, '.auto-codex', 'specs', '001-big'), { recursive: true });
  const log = join(project, '.auto-codex', 'specs', '001-big', 'task_logs.json');
  writeFileSync(log, '');
  truncateSync(log, 3 * 1024 * 1024);
  mkdirSync(join(dir, 'ud', 'store'), { recursive: true });
  writeFileSync(join(dir, 'ud', 'store', 'projects.json'), JSON.stringify({ projects: [{ id: '1', name: 'my app', path: project, autoBuildPath: '.auto-codex', settings: {} }, { id: '2', name: 'gone', path: join(dir, 'gone') }], settings: {} }));
  mkdirSync(join(dir, 'bk'));
  writeFileSync(join(dir, 'bk', 'project_my-app_20260101_000000.tar.gz'), '');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1', USERDATA_DIR: join(dir, 'ud'), BACKUP_DIR: join(dir, 'bk') };
  return { dir, env, project };
}

describe('projects through the bundle', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  it('projects list --json: the app projects, a missing one as a row, the newest backup; exit 0', async () => {
    const { dir, env, project } = setup();
    const res = await execa('node', [BUNDLE, 'projects', 'list', '--json'], { env, cwd: dir, reject: false, extendEnv: false });
    expect(res.exitCode).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.source).toBe('projects.json');
    expect(doc.projects).toMatchObject([
      { path: project, state: 'ok', specs: 1, largestTaskLog: { spec: '001-big', bytes: 3 * 1024 * 1024 }, newestBackup: { name: 'project_my-app_20260101_000000.tar.gz' } },
      { path: join(dir, 'gone'), state: 'missing', newestBackup: null },
    ]);
    const only = await execa('node', [BUNDLE, 'projects', 'list', '--project', 'gone'], { env, cwd: dir, reject: false, extendEnv: false });
    expect(only.exitCode).toBe(0);
    expect(only.stdout).toContain('folder missing');
  });

  it('healthcheck --only task-logs warns naming the project and spec, exit 0', async () => {
    const { dir, env, project } = setup();
    const res = await execa('node', [BUNDLE, 'healthcheck', '--only', 'task-logs', '--json'], { env: { ...env, AUTO_CODEX_TASK_LOG_WARN_MB: '2', AUTO_CODEX_TASK_LOG_MAX_ENTRIES: '2000' }, cwd: dir, reject: false, extendEnv: false });
    expect(res.exitCode).toBe(0);
    const check = JSON.parse(res.stdout).checks.find((c: { id: string }) => c.id === 'task-logs');
    expect(check).toMatchObject({ status: 'warn' });
    expect(check.message).toContain(`${project} spec 001-big`);
  });
});

describe('projects list as another user (nobody)', () => {
  it.runIf(process.getuid?.() === 0)("says a root-only project is unreadable rather than empty", async () => {
    const { dir, env, project } = setup();
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'ud'), 0o755);
    chmodSync(join(dir, 'ud', 'store'), 0o755);
    chmodSync(join(dir, 'ud', 'store', 'projects.json'), 0o644);
    chmodSync(project, 0o700);
    const res = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BUNDLE, 'projects', 'list', '--json'], { env, cwd: '/', reject: false, extendEnv: false });
    expect(res.exitCode).toBe(0);
    expect(JSON.parse(res.stdout).projects[0]).toMatchObject({ path: project, state: 'unreadable', autoCodex: false });
  });
});
