import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  AbortMultipartUploadCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { execa } from 'execa';


// The real Ceph RADOS Gateway of scripts/s3-gateway.sh. Buckets are created and emptied here
// through the SDK directly, never through the code under test.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DIR = process.env.S3GW_DIR ?? `/tmp/autocodex-ops-s3gw.${process.getuid?.() ?? 0}`;

/** Endpoint and keys of the running gateway. */
export interface Gateway {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  dir: string;
}

function readEnvFile(): Gateway {
  const vars = Object.fromEntries(
    readFileSync(join(DIR, 'env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { endpoint: vars.AUTOCODEX_OPS_TEST_S3_ENDPOINT!, accessKey: vars.AUTOCODEX_OPS_TEST_S3_ACCESS_KEY!, secretKey: vars.AUTOCODEX_OPS_TEST_S3_SECRET_KEY!, dir: vars.AUTOCODEX_OPS_TEST_S3_DIR! };
}

/** The marker saying the tests started the gateway, so the global teardown (tests/s3-teardown.ts) stops it. */
export const STARTED_BY_TESTS = join(DIR, 'started-by-tests');

/** ensureGateway starts the gateway when it is not running (idempotent, ~17 s) and returns its env. */
export async function ensureGateway(): Promise<Gateway> {
  const status = await execa('bash', [join(REPO, 'scripts/s3-gateway.sh'), 'status'], { reject: false });
  if (status.exitCode !== 0) {
    await execa('bash', [join(REPO, 'scripts/s3-gateway.sh'), 'start'], { stdio: 'inherit', timeout: 240_000 });
    writeFileSync(STARTED_BY_TESTS, `${process.pid}\n`);
  }
  return readEnvFile();
}

/** adminClient talks to the gateway with the test user's keys, path-style. */
export function adminClient(gw: Gateway): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return new S3Client({
    region: 'us-east-1',
    endpoint: gw.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** createBucket makes a uniquely named bucket; `lock` enables object lock (and so versioning), with no default retention. */
export async function createBucket(client: S3Client, options: { lock?: boolean } = {}): Promise<string> {
  const name = `aco-test-${randomBytes(5).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: name, ...(options.lock ? { ObjectLockEnabledForBucket: true } : {}) }));
  if (options.lock) {
    await client.send(new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
  }
  return name;
}

/** inProgressUploads lists the unfinished multipart uploads in a bucket. */
export async function inProgressUploads(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).map((u) => u.Key!);
}

/** removeBucket empties and deletes a bucket, bypassing GOVERNANCE locks; COMPLIANCE-locked versions stay (memory is freed with the gateway). */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    for (const v of [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key!, VersionId: v.VersionId, BypassGovernanceRetention: true })).catch(() => undefined);
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // A bucket holding COMPLIANCE-locked objects cannot be removed before they expire: it goes with the gateway.
  }
}

/** storeEnv is the environment that points the tool at `url` on the gateway (path-style, its keys). */
export function storeEnv(gw: Gateway, url: string): Record<string, string> {
  return { AUTOCODEX_OPS_S3_URL: url, AUTOCODEX_OPS_S3_ENDPOINT: gw.endpoint, AUTOCODEX_OPS_S3_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey };
}

/** closedPort is a loopback port nothing listens on (bound, then closed): what a stopped gateway answers. */
export function closedPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}
