import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { ageKeygen } from '../helpers/age-tool.js';
import { adminClient, createBucket, ensureGateway, removeBucket, storeEnv, closedPort, type Gateway } from '../helpers/s3-gateway.js';

// Issue 19 through the bundle: backup project over an app projects.json, list/verify by kind,
// restore with the one consent rule, encryption (issue 21), --offsite (issue 20), the schedule job (issue 25).
const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'aco-e2e-project-backup-'));
  dirs.push(dir);
  const project = join(dir, 'my app');
  mkdirSync(join(project, '.auto-codex', 'specs', '001-a', 'logs'), { recursive: true });
  writeFileSync(join(project, '.auto-codex', 'specs', '001-a', 'task_logs.json'), '{"spec_id":"001-a","phases":{}}');
  writeFileSync(join(project, '.auto-codex', 'specs', '001-a', 'spec.md'), '# spec\n');
  writeFileSync(join(project, '.auto-codex', 'specs', '001-a', 'logs', 'session.log'), 'log\n');
  mkdirSync(join(dir, 'ud', 'store'), { recursive: true });
  const entry = (id: string, path: string) => ({ id, name: id, path, autoBuildPath: '.auto-codex', settings: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
  writeFileSync(join(dir, 'ud', 'store', 'projects.json'), JSON.stringify({ projects: [entry('1', project), entry('2', join(dir, 'gone'))], settings: {} }, null, 2));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1', USERDATA_DIR: join(dir, 'ud'), BACKUP_DIR: join(dir, 'bk'), PRE_RESTORE_BACKUP_DIR: join(dir, 'pre') };
  const run = (args: string[], over: Record<string, string> = {}) => execa('node', [BUNDLE, ...args, '--root', dir], { env: { ...env, ...over }, cwd: dir, reject: false, extendEnv: false, stdin: 'ignore' });
  return { dir, project, run };
}

describe('backup project / restore project through the bundle', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  it('--all backs up the known project, reports the missing one and exits 1; list, verify and restore the archive', async () => {
    const { dir, project, run } = setup();
    const backup = await run(['backup', 'project', '--all', '--json']);
    expect(backup.exitCode).toBe(1);
    const doc = JSON.parse(backup.stdout);
    expect(doc).toMatchObject({ kind: 'project', subset: 'full', failed: 1, projects: [{ project, status: 'ok' }, { project: join(dir, 'gone'), status: 'failed', reason: 'the project folder does not exist' }] });
    const archive: string = doc.projects[0].archive;
    expect(archive).toMatch(/\/bk\/project_my-app_\d{8}_\d{6}\.tar\.gz$/);

    const list = await run(['backup', 'list', '--kind', 'project', '--json']);
    expect(JSON.parse(list.stdout).backups).toMatchObject([{ kind: 'project', archive }]);
    const verify = await run(['backup', 'verify', archive, '--json']);
    expect(verify.exitCode).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, kind: 'project' });

    writeFileSync(join(project, '.auto-codex', 'specs', '001-a', 'spec.md'), 'edited\n');
    // No terminal and no --yes: exit 2, nothing read, nothing changed.
    const refused = await run(['restore', 'project', archive]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('Refusing to restore without confirmation');
    expect(readFileSync(join(project, '.auto-codex', 'specs', '001-a', 'spec.md'), 'utf8')).toBe('edited\n');
    const restored = await run(['restore', 'project', archive, '--yes', '--json']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ kind: 'project', target: join(project, '.auto-codex'), safetyBackup: expect.stringContaining('/pre/project_pre_restore_my-app_') });
    expect(readFileSync(join(project, '.auto-codex', 'specs', '001-a', 'spec.md'), 'utf8')).toBe('# spec\n');
    const pre = await run(['backup', 'list', '--kind', 'pre-restore', '--json']);
    expect(JSON.parse(pre.stdout).backups).toMatchObject([{ kind: 'project-pre-restore' }]);
  });

  it('no project named and no --all is exit 2; --logs-only names the subset', async () => {
    const { project, run } = setup();
    const none = await run(['backup', 'project']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--all');
    const logs = await run(['backup', 'project', project, '--logs-only', '--json']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    const row = JSON.parse(logs.stdout).projects[0];
    expect(row).toMatchObject({ status: 'ok', entries: 3 });
    const refused = await run(['restore', 'project', row.archive, '--yes']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('holds only task logs');
  });

  it('encrypts to an age recipient (.tar.gz.age) and restores with the identity', async () => {
    const { dir, project, run } = setup();
    const keys = join(dir, 'keys');
    mkdirSync(keys, { mode: 0o700 });
    const key = ageKeygen(keys);
    const backup = await run(['backup', 'project', project, '--json'], { AUTOCODEX_OPS_AGE_RECIPIENTS: key.recipient });
    expect(backup.exitCode, backup.stderr).toBe(0);
    const row = JSON.parse(backup.stdout).projects[0];
    expect(row).toMatchObject({ encrypted: true, archive: expect.stringMatching(/project_my-app_\d{8}_\d{6}\.tar\.gz\.age$/) });
    rmSync(join(project, '.auto-codex', 'specs'), { recursive: true });
    const restore = await run(['restore', 'project', row.archive, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: key.file });
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(readdirSync(join(project, '.auto-codex', 'specs'))).toEqual(['001-a']);
    for (const r of [backup, restore]) expect(`${r.stdout}${r.stderr}`).not.toContain(key.secret);
  });

  it('AUTOCODEX_OPS_OFFSITE=always with the store down: the local backup is kept and verified, exit 1', async () => {
    const { project, run } = setup();
    const down = await closedPort();
    const backup = await run(['backup', 'project', project, '--json'], {
      AUTOCODEX_OPS_OFFSITE: 'always',
      AUTOCODEX_OPS_S3_URL: 's3://bucket/host1',
      AUTOCODEX_OPS_S3_ENDPOINT: `http://127.0.0.1:${down}`,
      AUTOCODEX_OPS_S3_PATH_STYLE: 'true',
      AUTOCODEX_OPS_S3_TIMEOUT_SECS: '3',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test-secret-never-printed',
    });
    expect(backup.exitCode).toBe(1);
    const row = JSON.parse(backup.stdout).projects[0];
    expect(row).toMatchObject({ status: 'ok', offsite: { ok: false } });
    expect(existsSync(row.archive)).toBe(true);
    expect(`${backup.stdout}${backup.stderr}`).not.toContain('test-secret-never-printed');
    // --offsite without a store: exit 2 before anything is written.
    const none = await run(['backup', 'project', project, '--offsite'], { BACKUP_DIR: join(project, '..', 'bk2') });
    expect(none.exitCode).toBe(2);
    expect(existsSync(join(project, '..', 'bk2'))).toBe(false);
  });

  it('schedule install --projects plans the project backup job', async () => {
    const { run } = setup();
    const res = await run(['schedule', 'install', '--projects', 'daily', '--dry-run', '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(res.stdout))).toContain('backup project --all');
  });
});

describe('backup project --offsite against the real Ceph RGW', () => {
  let gw: Gateway;
  let admin: S3Client;
  let bucket: string;
  beforeAll(async () => {
    if (!existsSync(BUNDLE)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
    gw = await ensureGateway();
    admin = adminClient(gw);
    bucket = await createBucket(admin);
  }, 240_000);
  afterAll(async () => {
    if (admin && bucket) await removeBucket(admin, bucket);
  });

  it('pushes each project archive under project-<name>/, and restore project takes it back from s3://', async () => {
    const { project, run } = setup();
    const s3 = storeEnv(gw, `s3://${bucket}/host1`);
    const backup = await run(['backup', 'project', project, '--offsite', '--json'], s3);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const row = JSON.parse(backup.stdout).projects[0];
    const name = row.archive.split('/').pop();
    expect(row.offsite).toMatchObject({ ok: true, url: `s3://${bucket}/host1/project-my-app/${name}` });
    rmSync(join(project, '.auto-codex', 'specs'), { recursive: true });
    const restore = await run(['restore', 'project', row.offsite.url, '--yes', '--json'], s3);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(readdirSync(join(project, '.auto-codex', 'specs'))).toEqual(['001-a']);
    expect(`${backup.stdout}${backup.stderr}${restore.stdout}${restore.stderr}`).not.toContain(gw.secretKey);
  });
});
