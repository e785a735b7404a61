import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, createBucket, ensureGateway, inProgressUploads, removeBucket, storeEnv, closedPort, type Gateway } from '../helpers/s3-gateway.js';

// The offsite commands on the bundle, against the real Ceph RGW of scripts/s3-gateway.sh.
// The last test points at a store that is down (a closed port: what a stopped gateway answers),
// not by stopping the shared gateway, which other test runs on this machine may be using.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BUNDLE = join(REPO, 'dist', 'cli.cjs');

describe('offsite copies on the bundle, against a real Ceph RGW', () => {
  const root = mkdtempSync(join(tmpdir(), 'aco-e2e-s3-'));
  const userdata = join(root, 'Auto Codex');
  let gw: Gateway;
  let admin: S3Client;
  let bucket: string;
  let env: Record<string, string>;
  const run = (args: string[], over: Record<string, string> = {}) =>
    execa('node', [BUNDLE, ...args, '--root', root], { reject: false, env: { ...env, ...over }, extendEnv: false });

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) await execa('npm', ['run', 'build'], { cwd: REPO });
    gw = await ensureGateway();
    admin = adminClient(gw);
    bucket = await createBucket(admin);
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      NO_COLOR: '1',
      USERDATA_DIR: userdata,
      ...storeEnv(gw, `s3://${bucket}/host1`),
      AUTOCODEX_OPS_S3_TIMEOUT_SECS: '3',
    };
    mkdirSync(userdata, { recursive: true });
    writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"standard"}');
  }, 240_000);

  afterAll(async () => {
    if (admin && bucket) await removeBucket(admin, bucket);
    admin?.destroy();
  });

  it('backup --offsite, list --remote, pull, restore from s3://, and config names the credential source', async () => {
    const backup = await run(['backup', 'userdata', '--offsite', '--json']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const result = JSON.parse(backup.stdout);
    const name = basename(result.archive);
    expect(result.offsite).toMatchObject({ ok: true, url: `s3://${bucket}/host1/userdata/${name}` });

    const remote = await run(['backup', 'list', '--remote', '--json']);
    expect(remote.exitCode, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout).backups).toEqual([expect.objectContaining({ name, sha256: result.sha256, hasSidecar: true, hasManifest: true })]);
    const local = await run(['backup', 'list', '--json']);
    expect(JSON.parse(local.stdout).backups).toEqual([expect.objectContaining({ archive: result.archive, remote: true })]);

    const pulled = await run(['backup', 'pull', name, '--output-dir', join(root, 'pulled'), '--json']);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ sha256: result.sha256, verified: true });
    expect(readdirSync(join(root, 'pulled')).sort()).toEqual([name, `${name}.manifest.json`, `${name}.sha256`]);

    writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"permissive"}');
    // What a restore killed with SIGKILL leaves: its download folder (its pid is long gone).
    const killed = join(root, 'backups', '.offsite-restore-3999999-0badf00d');
    mkdirSync(killed);
    writeFileSync(join(killed, name), 'partial download');
    const restore = await run(['restore', 'userdata', `s3://${bucket}/host1/userdata/${name}`, '--yes', '--json']);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('{"riskPolicy":"standard"}');
    expect(restore.stderr).toContain(`Removed the download folder(s) of killed restores: ${killed}`);
    // Both download folders inside the backup folder are gone afterwards: the killed run's and this one's.
    expect(readdirSync(join(root, 'backups')).filter((n) => n.startsWith('.'))).toEqual([]);

    const health = await run(['healthcheck', '--only', 'offsite-freshness', '--json']);
    const check = JSON.parse(health.stdout).checks[0];
    expect(check).toMatchObject({ id: 'offsite-freshness', status: 'ok' });
    expect(check.message).toContain(`s3://${bucket}/host1`);

    const config = await run(['config', '--json']);
    const doc = JSON.parse(config.stdout);
    expect(doc.offsite).toMatchObject({ bucket, prefix: 'host1', endpoint: gw.endpoint, awsKeysFrom: 'environment (AWS_ACCESS_KEY_ID)' });
    expect(config.stdout).not.toContain(gw.secretKey);
  });

  it('push --missing sends what is not there yet; prune --remote needs --yes without a terminal', async () => {
    const second = await run(['backup', 'userdata', '--json']);
    expect(second.exitCode, second.stderr).toBe(0);
    const missing = await run(['backup', 'push', '--missing', '--json']);
    expect(missing.exitCode, missing.stderr).toBe(0);
    expect(JSON.parse(missing.stdout).pushed).toEqual([expect.objectContaining({ archive: JSON.parse(second.stdout).archive, status: 'uploaded' })]);
    const refused = await run(['backup', 'prune', '--remote', '--keep-last', '1']);
    expect(refused.exitCode).toBe(2);
    const plan = await run(['backup', 'prune', '--remote', '--keep-last', '1', '--dry-run', '--json']);
    expect(JSON.parse(plan.stdout).decisions.map((d: { action: string }) => d.action)).toEqual(['keep', 'remove']);
    const pruned = await run(['backup', 'prune', '--remote', '--keep-last', '1', '--yes', '--json']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout).decisions.map((d: { action: string }) => d.action)).toEqual(['keep', 'removed']);
  });

  it('a wrong secret is exit 10 and the secret is in no output; no store configured is exit 2', async () => {
    const secret = 'e2e-wrong-secret-0987654321';
    const wrong = await run(['backup', 'list', '--remote', '--json'], { AWS_SECRET_ACCESS_KEY: secret });
    expect(wrong.exitCode).toBe(10);
    expect(JSON.parse(wrong.stderr.trim().split('\n').at(-1)!).error.message).toMatch(/rejected the credentials/);
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain(secret);
    const none = await run(['backup', 'push', '--latest'], { AUTOCODEX_OPS_S3_URL: '' });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/No offsite store is configured/);
  });

  it('an upload killed with SIGKILL leaves parts that the next run aborts before pushing again', async () => {
    const dir = join(root, 'big');
    mkdirSync(dir);
    const archive = join(dir, 'falkordb_data_20261201_000000.tar.gz');
    const data = randomBytes(96 * 1024 * 1024);
    writeFileSync(archive, data);
    writeFileSync(`${archive}.sha256`, `${createHash('sha256').update(data).digest('hex')}  ${basename(archive)}\n`);
    const child = execa('node', [BUNDLE, 'backup', 'push', archive, '--root', root], { reject: false, env, extendEnv: false });
    for (let i = 0; i < 200 && (await inProgressUploads(admin, bucket)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await child;
    expect(await inProgressUploads(admin, bucket)).toEqual(['host1/falkordb/falkordb_data_20261201_000000.tar.gz']);
    const again = await run(['backup', 'push', archive, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ abortedUploads: ['host1/falkordb/falkordb_data_20261201_000000.tar.gz'], pushed: [expect.objectContaining({ status: 'uploaded' })] });
    expect(await inProgressUploads(admin, bucket)).toEqual([]);
  });

  it('backup --offsite with the store down: the local backup is kept and verified, exit 1, the audit record says so', async () => {
    const down = await closedPort();
    const t0 = Date.now();
    const backup = await run(['backup', 'userdata', '--offsite', '--json'], { AUTOCODEX_OPS_S3_ENDPOINT: `http://127.0.0.1:${down}` });
    expect(backup.exitCode).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const result = JSON.parse(backup.stdout);
    expect(result.offsite).toMatchObject({ ok: false });
    expect(existsSync(result.archive)).toBe(true);
    expect(JSON.parse(backup.stderr.trim().split('\n').at(-1)!).error.message).toContain(`The local backup ${result.archive} is complete and verified, but the offsite copy failed`);
    const verify = await run(['backup', 'verify', result.archive, '--json']);
    expect(JSON.parse(verify.stdout).ok).toBe(true);
    const audit = readFileSync(join(root, 'logs', 'autocodex-ops-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const record = audit.filter((r) => r.command === 'backup userdata').at(-1);
    expect(record).toMatchObject({ outcome: 'failed', exitCode: 1, details: { offsite: 'local ok, offsite failed', archive: result.archive } });
  });
});
