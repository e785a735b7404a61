import { spawn } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/core/backup-store/catalog.js';
import { verifyBackup } from '../../src/core/backup-store/verify.js';
import { DeclinedError, InterruptedError, UsageError } from '../../src/core/errors.js';
import { runProjectBackups, selectProjects, type ProjectBackupOptions } from '../../src/core/projects/backup-projects.js';
import type { RestorePlan } from '../../src/core/restore/restore-result.js';
import { makeArchive } from '../helpers/archives.js';
import { runProjectRestore } from '../../src/core/restore/run-project-restore.js';
import { acquireLock } from '../../src/core/run/lock.js';
import { projectLockTarget } from '../../src/core/run/target-lock.js';

// Issue 19 over real folders: two projects listed in a projects.json written the way the app
// writes it (ui/project-store.ts: pretty JSON, {projects:[{id,name,path,autoBuildPath,settings,
// createdAt,updatedAt}],settings:{}}); archives written, read back and restored byte for byte.
// Run as root (CI), the projects belong to `nobody`, as a user's projects do.

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const OLD = new Date('2025-03-01T10:00:00Z');

// lchown: a link itself, never its target.
function chownTree(path: string): void {
  if (!asRoot) return;
  lchownSync(path, NOBODY, NOBODY);
  if (lstatSync(path).isDirectory()) for (const n of readdirSync(path)) chownTree(join(path, n));
}

/** A project as the app leaves it: specs with task_logs.json at the root, logs/, a link inside, odd modes, old times. */
function makeProject(base: string, name: string): string {
  const p = join(base, name);
  const dot = join(p, '.auto-codex');
  for (const spec of ['001-login', '002-search']) {
    mkdirSync(join(dot, 'specs', spec, 'logs'), { recursive: true });
    writeFileSync(join(dot, 'specs', spec, 'task_logs.json'), JSON.stringify({ spec_id: spec, phases: { planning: { entries: [{ content: name }] } } }));
    writeFileSync(join(dot, 'specs', spec, 'spec.md'), `# ${spec} of ${name}\n`);
    writeFileSync(join(dot, 'specs', spec, 'logs', 'session-1.log'), `log of ${spec}\n`);
  }
  writeFileSync(join(dot, '.env'), 'GRAPHITI_FALKORDB_PORT=6380\n');
  chmodSync(join(dot, '.env'), 0o600);
  writeFileSync(join(dot, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dot, 'run.sh'), 0o750);
  symlinkSync('../001-login/spec.md', join(dot, 'specs', '002-search', 'see-also.md'));
  chmodSync(dot, 0o750);
  writeFileSync(join(p, 'README.md'), 'the project itself, never touched\n');
  chownTree(p);
  // Old times everywhere, deepest first, so the round trip has something to keep.
  const age = (path: string) => {
    const st = lstatSync(path);
    if (st.isDirectory()) for (const n of readdirSync(path)) age(join(path, n));
    if (st.isSymbolicLink()) return;
    utimesSync(path, OLD, OLD);
  };
  age(dot);
  return p;
}

/** Every entry under `dir`: type, mode, mtime, content or link target, owner (lstat only). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const path = join(dir, rel);
    const st = lstatSync(path);
    const what = st.isSymbolicLink() ? `link->${readlinkSync(path)}` : st.isDirectory() ? 'dir' : `file=${readFileSync(path, 'utf8')}`;
    out.push(`${rel || '.'} ${what} mode=${(st.mode & 0o7777).toString(8)} mtime=${Math.floor(st.mtimeMs / 1000)} uid=${st.uid}`);
    if (st.isDirectory()) for (const n of readdirSync(path).sort()) walk(rel ? `${rel}/${n}` : n);
  };
  walk('');
  return out;
}

function appProjectsJson(userdata: string, paths: string[]): void {
  mkdirSync(join(userdata, 'store'), { recursive: true });
  const projects = paths.map((path, i) => ({
    id: `a1b2c3d4-000${i}`,
    name: path.split('/').pop(),
    path,
    autoBuildPath: '.auto-codex',
    settings: { model: 'opus', memoryBackend: 'file', linearSync: false, notifications: { onTaskComplete: true, onTaskFailed: true, onReviewNeeded: true, sound: false } },
    createdAt: '2026-01-05T09:00:00.000Z',
    updatedAt: '2026-01-05T09:00:00.000Z',
  }));
  writeFileSync(join(userdata, 'store', 'projects.json'), JSON.stringify({ projects, settings: {} }, null, 2));
}

function setup() {
  const base = mkdtempSync(join(tmpdir(), 'aco-project-int-'));
  dirs.push(base);
  chmodSync(base, 0o755);
  const alpha = makeProject(base, 'alpha');
  const beta = makeProject(base, 'beta app');
  const userdata = join(base, 'userdata');
  appProjectsJson(userdata, [alpha, beta]);
  const backups = join(base, 'backups');
  return { base, alpha, beta, userdata, backups };
}

let clock = Date.parse('2026-06-01T03:00:00Z');
function deps(base: string, over: { confirm?: (plan: RestorePlan) => Promise<boolean>; signal?: AbortSignal; onInfo?: (m: string) => void } = {}) {
  const lines: string[] = [];
  return {
    lines,
    deps: {
      log: { info: (m: string) => (lines.push(m), over.onInfo?.(m)), warn: (m: string) => lines.push(`WARN ${m}`), error: (m: string) => lines.push(`ERROR ${m}`) },
      signal: over.signal,
      // Each call a second later: every backup gets its own stamp.
      now: () => new Date((clock += 1000)),
      hostname: 'test',
      toolVersion: '0.0.0-test',
      lockDir: join(base, 'locks'),
      confirm: over.confirm ?? (async () => true),
      probe: { hostname: hostname(), isAlive: () => false },
    },
  };
}

const backupOptions = (projects: string[], backups: string, over: Partial<ProjectBackupOptions> = {}): ProjectBackupOptions => ({
  projects,
  outputDir: backups,
  subset: 'full',
  policy: { keepMin: 1 },
  waitSeconds: 0,
  ...over,
});

describe('backup project and restore project over real folders', () => {
  it('backs up both projects of the app list and restores one byte for byte (modes, times, links), as the owner', async () => {
    const s = setup();
    const projects = await selectProjects({ dirs: [], all: true, userdataDir: s.userdata, cwd: s.base });
    expect(projects).toEqual([s.alpha, s.beta]);
    const report = await runProjectBackups(backupOptions(projects, s.backups), deps(s.base).deps);
    expect(report.failed).toBe(0);
    expect(report.projects.map((p) => [p.project, p.status])).toEqual([[s.alpha, 'ok'], [s.beta, 'ok']]);
    const beta = report.projects[1]!;
    expect(beta.archive).toMatch(/\/project_beta-app_\d{8}_\d{6}\.tar\.gz$/);
    expect(lstatSync(beta.archive!).mode & 0o777).toBe(0o600);
    const manifest = JSON.parse(readFileSync(`${beta.archive}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ kind: 'project', source: { project: s.beta, subset: 'full' } });
    expect((await verifyBackup(beta.archive!)).ok).toBe(true);
    expect((await listBackups(s.backups, 'project')).map((r) => r.label).sort()).toEqual(['alpha', 'beta-app']);

    const before = snapshot(join(s.beta, '.auto-codex'));
    // Damage the project: a spec deleted, a log changed, a new file.
    rmSync(join(s.beta, '.auto-codex', 'specs', '001-login'), { recursive: true });
    writeFileSync(join(s.beta, '.auto-codex', 'specs', '002-search', 'task_logs.json'), '{}');
    writeFileSync(join(s.beta, '.auto-codex', 'stray.txt'), 'x');

    const result = await runProjectRestore({ archive: beta.archive!, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps);
    expect(result).toMatchObject({ kind: 'project', target: join(s.beta, '.auto-codex'), checksum: 'verified', safetyBackup: expect.stringMatching(/project_pre_restore_beta-app_\d{8}_\d{6}\.tar\.gz$/) });
    expect(snapshot(join(s.beta, '.auto-codex'))).toEqual(before);
    if (asRoot) expect(before[0]).toContain(`uid=${NOBODY}`);
    // Nothing left beside it, the project's own files untouched, the safety copy verified and listed.
    expect(readdirSync(s.beta).sort()).toEqual(['.auto-codex', 'README.md']);
    expect((await verifyBackup(result.safetyBackup!)).ok).toBe(true);
    expect((await listBackups(join(s.base, 'pre'), 'project-pre-restore'))[0]).toMatchObject({ label: 'beta-app', hasSidecar: true, hasManifest: true });
  });

  it('--logs-only takes only specs/*/logs/ and task_logs.json, and restore refuses such an archive', async () => {
    const s = setup();
    const report = await runProjectBackups(backupOptions([s.alpha], s.backups, { subset: 'logs-only' }), deps(s.base).deps);
    const archive = report.projects[0]!.archive!;
    const names: string[] = [];
    await tar.t({ file: archive, onReadEntry: (e) => void names.push(e.path) });
    expect(names.filter((n) => !n.endsWith('/')).sort()).toEqual([
      './specs/001-login/logs/session-1.log',
      './specs/001-login/task_logs.json',
      './specs/002-search/logs/session-1.log',
      './specs/002-search/task_logs.json',
    ]);
    expect(JSON.parse(readFileSync(`${archive}.manifest.json`, 'utf8')).source).toMatchObject({ subset: 'logs-only', project: s.alpha });
    const before = snapshot(join(s.alpha, '.auto-codex'));
    await expect(runProjectRestore({ archive, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toThrow(/holds only task logs/);
    expect(snapshot(join(s.alpha, '.auto-codex'))).toEqual(before);
  });

  it('a missing project among several is reported and skipped, the others done; a project without .auto-codex/ is skipped with a note', async () => {
    const s = setup();
    const gone = join(s.base, 'gone');
    const bare = join(s.base, 'bare');
    mkdirSync(bare);
    const report = await runProjectBackups(backupOptions([gone, s.alpha, bare, s.beta], s.backups), deps(s.base).deps);
    expect(report.projects.map((p) => [p.project, p.status])).toEqual([[gone, 'failed'], [s.alpha, 'ok'], [bare, 'skipped'], [s.beta, 'ok']]);
    expect(report.projects[0]).toMatchObject({ reason: 'the project folder does not exist', exitCode: 10 });
    expect(report.projects[2]!.reason).toMatch(/no \.auto-codex\/ folder/);
    expect(report.failed).toBe(1);
  });

  it('a process holding a file open under .auto-codex/ (a running task) makes restore refuse, unless --force; backup goes on with a warning', async () => {
    const s = setup();
    const archive = (await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps)).projects[0]!.archive!;
    const log = join(s.alpha, '.auto-codex', 'specs', '001-login', 'task_logs.json');
    // A real process with the task log open, as a writing task would have it.
    const task = spawn('sh', ['-c', 'exec 3>>"$1"; sleep 60', 'task', log], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const before = snapshot(join(s.alpha, '.auto-codex'));
      await expect(runProjectRestore({ archive, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toThrow(new RegExp(`task seems to be running.*pid ${task.pid}`));
      expect(snapshot(join(s.alpha, '.auto-codex'))).toEqual(before);
      const backup = await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps);
      expect(backup.projects[0]).toMatchObject({ status: 'ok', warnings: [expect.stringContaining(`pid ${task.pid}`)] });
      const forced = await runProjectRestore({ archive, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: true }, deps(s.base).deps);
      expect(forced.warnings.join('\n')).toContain('--force');
    } finally {
      task.kill('SIGKILL');
    }
  });

  it('the lock is per project: a project another run holds fails with exit 11, the other is backed up', async () => {
    const s = setup();
    const d = deps(s.base);
    const held = await acquireLock({ dir: d.deps.lockDir, target: projectLockTarget(join(s.alpha, '.', '')), command: 'restore project', log: d.deps.log });
    try {
      const report = await runProjectBackups(backupOptions([s.alpha, s.beta], s.backups), d.deps);
      expect(report.projects.map((p) => [p.status, p.exitCode])).toEqual([['failed', 11], ['ok', undefined]]);
      expect(report.failed).toBe(1);
    } finally {
      await held.release();
    }
    expect((await runProjectBackups(backupOptions([s.alpha], s.backups), d.deps)).failed).toBe(0);
  });

  it('retention applies to each project on its own: keep-last 2 removes only that project\'s older archives', async () => {
    const s = setup();
    for (let i = 0; i < 3; i += 1) await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps);
    await runProjectBackups(backupOptions([s.beta], s.backups), deps(s.base).deps);
    const report = await runProjectBackups(backupOptions([s.beta], s.backups, { policy: { keepLast: 1, keepMin: 1 } }), deps(s.base).deps);
    // beta: two archives, one removed; alpha's three untouched by beta's retention.
    expect(report.projects[0]!.pruned).toHaveLength(3);
    expect((await listBackups(s.backups, 'project', 'beta-app')).length).toBe(1);
    expect((await listBackups(s.backups, 'project', 'alpha')).length).toBe(3);
    const alpha = await runProjectBackups(backupOptions([s.alpha], s.backups, { policy: { keepLast: 2, keepMin: 1 } }), deps(s.base).deps);
    expect(alpha.projects[0]!.pruned).toHaveLength(6);
    expect((await listBackups(s.backups, 'project', 'alpha')).length).toBe(2);
    expect((await listBackups(s.backups, 'project', 'beta-app')).length).toBe(1);
  });

  it('restore without consent changes nothing (exit 1), and --dry-run only plans', async () => {
    const s = setup();
    const archive = (await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps)).projects[0]!.archive!;
    writeFileSync(join(s.alpha, '.auto-codex', 'specs', '001-login', 'spec.md'), 'edited since\n');
    const before = snapshot(join(s.alpha, '.auto-codex'));
    await expect(runProjectRestore({ archive, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base, { confirm: async () => false }).deps)).rejects.toBeInstanceOf(DeclinedError);
    const dry = await runProjectRestore({ archive, preRestoreDir: join(s.base, 'pre'), dryRun: true, force: false }, deps(s.base).deps);
    expect(dry).toMatchObject({ dryRun: true, plan: { kind: 'project', target: join(s.alpha, '.auto-codex') } });
    expect(snapshot(join(s.alpha, '.auto-codex'))).toEqual(before);
    expect(readdirSync(s.base)).not.toContain('pre');
  });

  it('a restore interrupted mid-extract leaves the old .auto-codex/ whole and no staging folder', async () => {
    const s = setup();
    // Enough content that the extraction is still running when the abort lands.
    const big = join(s.alpha, '.auto-codex', 'specs', '001-login', 'logs', 'big.log');
    writeFileSync(big, Buffer.alloc(32 * 1024 * 1024, 'a'));
    if (asRoot) chownSync(big, NOBODY, NOBODY);
    const archive = (await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps)).projects[0]!.archive!;
    rmSync(big);
    writeFileSync(join(s.alpha, '.auto-codex', 'current.txt'), 'the current state');
    const before = snapshot(join(s.alpha, '.auto-codex'));
    const abort = new AbortController();
    const d = deps(s.base, { signal: abort.signal, onInfo: (m) => m.startsWith('Extracting') && setImmediate(() => abort.abort()) });
    const run = runProjectRestore({ archive, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, d.deps);
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    // It stopped in the extraction, before the safety copy and the swap.
    expect(d.lines.some((l) => l.startsWith('Taking the safety copy'))).toBe(false);
    expect(snapshot(join(s.alpha, '.auto-codex'))).toEqual(before);
    expect(readdirSync(s.alpha).sort()).toEqual(['.auto-codex', 'README.md']);
  });

  it('refuses a project whose .auto-codex is a link, and a project folder that is missing, before anything', async () => {
    const s = setup();
    const archive = (await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps)).projects[0]!.archive!;
    const other = join(s.base, 'other');
    mkdirSync(join(other, 'real'), { recursive: true });
    symlinkSync(join(other, 'real'), join(other, '.auto-codex'));
    await expect(runProjectRestore({ archive, project: other, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toBeInstanceOf(UsageError);
    expect(readdirSync(join(other, 'real'))).toEqual([]);
    await expect(runProjectRestore({ archive, project: join(s.base, 'nowhere'), preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toThrow(/does not exist/);
    // A userData archive is not a project's, and one without a manifest needs --project.
    const userdata = await makeArchive(join(s.base, 'x', 'userdata_20250101_000000.tar.gz'), { 'settings.json': '{}' });
    await expect(runProjectRestore({ archive: userdata, project: s.alpha, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toThrow(/is a userdata backup, not a project \.auto-codex one/);
    const bare = await makeArchive(join(s.base, 'x', 'project_alpha_20250101_000000.tar.gz'), { 'specs/001/spec.md': '#' });
    await expect(runProjectRestore({ archive: bare, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toThrow(/Pass the project folder with --project|does not say which project/);
  });

  it.runIf(asRoot)('as root on a nobody-owned project: links a user planted are archived as links, never followed; restored files belong to the user', async () => {
    const s = setup();
    const secret = join(s.base, 'root-only');
    mkdirSync(secret, { mode: 0o700 });
    writeFileSync(join(secret, 'shadow'), 'root secret');
    chmodSync(join(secret, 'shadow'), 0o600);
    const spec = join(s.alpha, '.auto-codex', 'specs', '003-planted');
    mkdirSync(spec);
    chownSync(spec, NOBODY, NOBODY);
    // A task_logs.json and a logs/ that are links to root-only places.
    symlinkSync(join(secret, 'shadow'), join(spec, 'task_logs.json'));
    symlinkSync(secret, join(spec, 'logs'));
    for (const l of ['task_logs.json', 'logs']) lchownSync(join(spec, l), NOBODY, NOBODY);
    const full = (await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps)).projects[0]!;
    const logs = (await runProjectBackups(backupOptions([s.alpha], s.backups, { subset: 'logs-only' }), deps(s.base).deps)).projects[0]!;
    for (const archive of [full.archive!, logs.archive!]) {
      const seen: Array<{ path: string; type: string }> = [];
      await tar.t({ file: archive, onReadEntry: (e) => void seen.push({ path: e.path, type: e.type }) });
      expect(seen.filter((e) => e.path.includes('shadow'))).toEqual([]);
      expect(seen.filter((e) => e.path.startsWith('./specs/003-planted/') && e.path !== './specs/003-planted/').map((e) => e.type)).toEqual(archive === full.archive ? ['SymbolicLink', 'SymbolicLink'] : []);
    }
    // logs-only never takes a link for logs/ or task_logs.json.
    expect(JSON.parse(readFileSync(`${logs.archive}.manifest.json`, 'utf8')).source.members.filter((m: string) => m.includes('003'))).toEqual([]);

    // Said at backup time, refused at restore time: the archived links lead outside the project.
    expect(full.warnings.join('\n')).toMatch(/restore project will refuse this archive/);
    expect(JSON.parse(readFileSync(`${full.archive}.manifest.json`, 'utf8')).warnings.join('\n')).toMatch(/restore project will refuse/);
    await expect(runProjectRestore({ archive: full.archive!, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps)).rejects.toThrow(/points to the absolute path/);

    // Without the planted links, the restore writes as nobody: everything under .auto-codex/ belongs to the user afterwards.
    rmSync(spec, { recursive: true });
    const clean = (await runProjectBackups(backupOptions([s.alpha], s.backups), deps(s.base).deps)).projects[0]!;
    rmSync(join(s.alpha, '.auto-codex', 'specs', '001-login'), { recursive: true });
    await runProjectRestore({ archive: clean.archive!, preRestoreDir: join(s.base, 'pre'), dryRun: false, force: false }, deps(s.base).deps);
    expect(readFileSync(join(s.alpha, '.auto-codex', 'specs', '001-login', 'spec.md'), 'utf8')).toBe('# 001-login of alpha\n');
    const owners = new Set(snapshot(join(s.alpha, '.auto-codex')).map((l) => l.split('uid=')[1]));
    expect([...owners]).toEqual([String(NOBODY)]);
    expect(readFileSync(join(secret, 'shadow'), 'utf8')).toBe('root secret');
    expect(lstatSync(join(secret, 'shadow')).uid).toBe(0);
  });
});
