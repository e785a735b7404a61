import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CreateMultipartUploadCommand, DeleteObjectCommand, ListObjectVersionsCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { downloadArchive, remoteKeyFor } from '../../src/core/offsite/pull.js';
import { pushArchives } from '../../src/core/offsite/push.js';
import { listRemoteBackups } from '../../src/core/offsite/remote-list.js';
import { pruneRemote } from '../../src/core/offsite/remote-prune.js';
import { createS3Store } from '../../src/core/offsite/s3-store.js';
import type { ObjectStore } from '../../src/core/offsite/store.js';
import { makeArchive } from '../helpers/archives.js';
import { startHungServer } from '../helpers/hung-server.js';
import { adminClient, createBucket, ensureGateway, inProgressUploads, removeBucket, type Gateway } from '../helpers/s3-gateway.js';

// The offsite use cases against a real Ceph RADOS Gateway (scripts/s3-gateway.sh), not a fake.

const quiet = { info: () => undefined, warn: () => undefined };
let gw: Gateway;
let admin: S3Client;
let work: string;
const buckets: string[] = [];

async function storeFor(bucket: string, over: Partial<{ secret: string; endpoint: string; timeoutSecs: number; partSize: number }> = {}): Promise<ObjectStore> {
  return createS3Store({
    bucket,
    endpoint: over.endpoint ?? gw.endpoint,
    region: 'us-east-1',
    pathStyle: true,
    timeoutSecs: over.timeoutSecs ?? 10,
    credentials: { kind: 'env', description: 'environment (AWS_ACCESS_KEY_ID)', env: { accessKeyId: gw.accessKey, secretAccessKey: over.secret ?? gw.secretKey } },
    ...(over.partSize ? { partSize: over.partSize } : {}),
  });
}

async function newBucket(lock = false): Promise<string> {
  const b = await createBucket(admin, { lock });
  buckets.push(b);
  return b;
}

async function archiveAt(dir: string, name: string, content = randomBytes(2048)): Promise<string> {
  return makeArchive(join(dir, name), { 'settings.json': '{"a":1}', 'blob.bin': content }, { sidecar: true });
}

function errorOf(p: Promise<unknown>): Promise<OpsError> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as OpsError,
  );
}

beforeAll(async () => {
  gw = await ensureGateway();
  admin = adminClient(gw);
  work = await mkdtemp(join(tmpdir(), 'aco-offsite-'));
}, 240_000);

afterAll(async () => {
  for (const b of buckets) await removeBucket(admin, b);
  admin?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('offsite on a real Ceph RGW', () => {
  it('pushes an archive with its sidecars, lists it, pulls it back verified, and s3cmd + sha256sum -c agree', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'team/host1' };
    const local = join(work, 'rt');
    await rm(local, { recursive: true, force: true });
    const archive = await archiveAt(local, 'userdata_20261201_010203.tar.gz');
    await writeFile(`${archive}.manifest.json`, '{"kind":"userdata"}', { mode: 0o600 });
    const store = await storeFor(bucket);
    const result = await pushArchives([archive], { store, location, lockDir: join(work, 'locks'), command: 'backup push', log: quiet });
    expect(result.pushed).toEqual([expect.objectContaining({ status: 'uploaded', url: `s3://${bucket}/team/host1/userdata/userdata_20261201_010203.tar.gz` })]);

    const again = await pushArchives([archive], { store, location, lockDir: join(work, 'locks'), command: 'backup push', log: quiet });
    expect(again.pushed[0]!.status).toBe('present');

    const listed = await listRemoteBackups(store, location);
    const sha = createHash('sha256').update(await readFile(archive)).digest('hex');
    expect(listed).toEqual([expect.objectContaining({ kind: 'userdata', name: basename(archive), sha256: sha, hasSidecar: true, hasManifest: true })]);

    const out = join(work, 'pulled');
    const pulled = await downloadArchive(store, remoteKeyFor(location, basename(archive)), out);
    expect(pulled.sha256).toBe(sha);
    expect((await readdir(out)).sort()).toEqual([basename(archive), `${basename(archive)}.manifest.json`, `${basename(archive)}.sha256`]);
    await expect(downloadArchive(store, remoteKeyFor(location, basename(archive)), out)).rejects.toMatchObject({ exitCode: 2 });

    // Interop: a stock client downloads the same bytes, and the pushed sidecar checks them.
    const interop = join(work, 'interop');
    await rm(interop, { recursive: true, force: true });
    await writeFile(join(work, 's3cfg'), `[default]\naccess_key = ${gw.accessKey}\nsecret_key = ${gw.secretKey}\nhost_base = ${new URL(gw.endpoint).host}\nhost_bucket = ${new URL(gw.endpoint).host}\nuse_https = False\n`);
    const key = `s3://${bucket}/team/host1/userdata/${basename(archive)}`;
    execFileSync('mkdir', ['-p', interop]);
    execFileSync('s3cmd', ['-c', join(work, 's3cfg'), '--quiet', 'get', key, `${key}.sha256`, `${interop}/`]);
    expect(execFileSync('sha256sum', ['-c', `${basename(archive)}.sha256`], { cwd: interop, encoding: 'utf8' })).toContain(': OK');
  });

  it('uploads a multi-part file with bounded parts and verifies it by HeadObject size and sha256', async () => {
    const bucket = await newBucket();
    const store = await storeFor(bucket, { partSize: 5 * 1024 * 1024 });
    const dir = join(work, 'mp');
    const archive = await archiveAt(dir, 'falkordb_data_20261202_000000.tar.gz', randomBytes(17 * 1024 * 1024));
    const result = await pushArchives([archive], { store, location: { bucket, prefix: '' }, lockDir: join(work, 'locks'), command: 'backup push', log: quiet });
    expect(result.pushed[0]).toMatchObject({ status: 'uploaded' });
    const head = await store.head('falkordb/falkordb_data_20261202_000000.tar.gz');
    expect(head?.sha256).toBe(result.pushed[0]!.sha256);
    expect(await inProgressUploads(admin, bucket)).toEqual([]);
  });

  it('aborts the unfinished upload a killed run left behind, before pushing', async () => {
    const bucket = await newBucket();
    const key = 'p/userdata/userdata_20261203_000000.tar.gz';
    const started = await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await admin.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: started.UploadId, PartNumber: 1, Body: randomBytes(1024) }));
    expect(await inProgressUploads(admin, bucket)).toEqual([key]);
    const archive = await archiveAt(join(work, 'killed'), 'userdata_20261203_000000.tar.gz');
    const result = await pushArchives([archive], { store: await storeFor(bucket), location: { bucket, prefix: 'p' }, lockDir: join(work, 'locks'), command: 'backup push', log: quiet });
    expect(result.abortedUploads).toEqual([key]);
    expect(await inProgressUploads(admin, bucket)).toEqual([]);
  });

  it('refuses a damaged archive before sending anything (exit 2)', async () => {
    const bucket = await newBucket();
    const archive = await archiveAt(join(work, 'bad'), 'userdata_20261204_000000.tar.gz');
    await writeFile(`${archive}.sha256`, `${'0'.repeat(64)}  ${basename(archive)}\n`);
    const store = await storeFor(bucket);
    const err = await errorOf(pushArchives([archive], { store, location: { bucket, prefix: '' }, lockDir: join(work, 'locks'), command: 'backup push', log: quiet }));
    expect(err.exitCode).toBe(2);
    expect(await store.list('')).toEqual([]);
  });

  it('a wrong secret is exit 10 with a hint, and the secret appears nowhere in the error', async () => {
    const bucket = await newBucket();
    const secret = 'wrong-secret-value-1234567890';
    const err = await errorOf((await storeFor(bucket, { secret })).probe());
    expect(err.exitCode).toBe(10);
    expect(err.message).toMatch(/credentials/);
    expect(JSON.stringify({ m: err.message, h: err.hint })).not.toContain(secret);
  });

  it('a missing bucket is exit 10 naming it', async () => {
    const err = await errorOf((await storeFor('aco-test-no-such-bucket')).probe());
    expect(err.exitCode).toBe(10);
    expect(err.message).toContain('does not exist');
  });

  it('an endpoint that accepts and never answers fails with exit 10 within the timeout', async () => {
    const hung = await startHungServer();
    try {
      const t0 = Date.now();
      const err = await errorOf((await storeFor('aco-hung', { endpoint: `http://127.0.0.1:${hung.port}`, timeoutSecs: 1 })).probe());
      expect(err.exitCode).toBe(10);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await hung.stop();
    }
  });

  it('remote prune keeps the newest, removes what the policy lets go, and reports locked objects instead of failing', async () => {
    const bucket = await newBucket(true);
    const location = { bucket, prefix: 'pr' };
    const dir = join(work, 'prune');
    const names = ['userdata_20261101_000000.tar.gz', 'userdata_20261110_000000.tar.gz', 'userdata_20261120_000000.tar.gz'];
    const archives = [];
    for (const n of names) archives.push(await archiveAt(dir, n));
    const store = await storeFor(bucket);
    const deps = { store, location, lockDir: join(work, 'locks'), command: 'backup push', log: quiet };
    // The oldest goes up without retention, the middle one locked (GOVERNANCE, so the test can clean up).
    await pushArchives([archives[0]!, archives[2]!], deps);
    await pushArchives([archives[1]!], { ...deps, retain: { days: 1, mode: 'GOVERNANCE' } });

    const plan = await pruneRemote({ keepLast: 1, keepMin: 1 }, { dryRun: true }, { ...deps, command: 'backup prune --remote' });
    expect(plan.decisions.map((d) => [basename(d.url), d.action])).toEqual([
      [names[2], 'keep'],
      [names[1], 'locked'],
      [names[0], 'remove'],
    ]);
    expect((await listRemoteBackups(store, location)).length).toBe(3);

    const done = await pruneRemote({ keepLast: 1, keepMin: 1 }, { dryRun: false }, { ...deps, command: 'backup prune --remote' });
    expect(done.decisions.map((d) => d.action)).toEqual(['keep', 'locked', 'removed']);
    expect((await listRemoteBackups(store, location)).map((r) => r.name)).toEqual([names[2], names[1]]);
    expect((await store.list('pr/userdata/')).map((o) => o.key).filter((k) => k.includes(names[0]!))).toEqual([]);

    // The lock is real: deleting the locked version itself is refused by the store.
    const key = `pr/userdata/${names[1]}`;
    const versions = await admin.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const version = versions.Versions!.find((v) => v.Key === key)!;
    await expect(admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: version.VersionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
