import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { OpsError } from '../errors.js';
import type { CredentialSource } from './credentials.js';
import { choosePartSize, uploadMultipart } from './multipart.js';
import { isLockDenied, isNotFound, s3Error } from './s3-errors.js';
import type { BucketFacts, InProgressUpload, ObjectStore, PutFileOptions, RemoteHead, RemoteObject, RemoveOutcome, Retention } from './store.js';

type S3Module = typeof import('@aws-sdk/client-s3');
let sdk: Promise<S3Module> | undefined;

/**
 * loadSdk loads @aws-sdk/client-s3 on first use only: commands that never talk to S3
 * (`--version`, the healthcheck without offsite) do not pay for it. The SDK's Node-version
 * notice is not for our users (the tool states its own engines), so it is switched off.
 */
export function loadSdk(): Promise<S3Module> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return (sdk ??= import('@aws-sdk/client-s3'));
}

export interface S3StoreOptions {
  bucket: string;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  timeoutSecs: number;
  credentials: CredentialSource;
  /** Parts in flight (default 4) and the smallest part (default 8 MiB): memory ≈ their product. */
  concurrency?: number;
  partSize?: number;
}

const md5 = (body: Buffer | string) => createHash('md5').update(body).digest('base64');

function lockParams(retention?: Retention) {
  return retention ? { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: retention.until } : {};
}

/** createS3Store connects to the bucket lazily; each method maps SDK failures to clear OpsErrors. */
export async function createS3Store(options: S3StoreOptions): Promise<ObjectStore> {
  const s3 = await loadSdk();
  const timeoutMs = Math.round(options.timeoutSecs * 1000);
  const client: S3Client = new s3.S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.pathStyle,
    ...(options.credentials.env ? { credentials: options.credentials.env } : {}),
    ...(options.credentials.profile ? { profile: options.credentials.profile } : {}),
    // Two attempts: a transient error is retried once, a dead or hung endpoint fails in ~2 timeouts.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
    // Self-run stores (Ceph RGW 16, older MinIO) reject the newer default CRC trailers; we send
    // Content-MD5 on every body and check our own sha256 after each upload instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = options.bucket;
  const where = (key?: string) => `s3://${bucket}${key ? `/${key}` : ''}`;
  const fail = (err: unknown, action: string, key?: string, signal?: AbortSignal) =>
    s3Error(err, { action, where: where(key), endpoint: options.endpoint, credentialSource: options.credentials.description, signal });
  const send = async <T = unknown>(command: object, signal?: AbortSignal): Promise<T> =>
    (await client.send(command as never, signal ? { abortSignal: signal } : {})) as T;
  let versioning: boolean | undefined;

  async function versioned(signal?: AbortSignal): Promise<boolean> {
    if (versioning === undefined) {
      const out = await send<{ Status?: string }>(new s3.GetBucketVersioningCommand({ Bucket: bucket }), signal);
      versioning = out.Status === 'Enabled' || out.Status === 'Suspended';
    }
    return versioning;
  }

  async function verifyUpload(key: string, size: number, sha256: string, signal?: AbortSignal): Promise<void> {
    const head = await store.head(key, signal);
    // The complete call's ETag is not trusted (Ceph RGW 16 returns it empty): size and our own sha256 are.
    if (!head || head.bytes !== size || head.sha256 !== sha256) {
      throw new OpsError(
        `The upload to ${where(key)} did not verify: the store has ${head ? `${head.bytes} bytes, sha256 ${head.sha256 ?? 'none'}` : 'no object'}, the local file ${size} bytes, sha256 ${sha256}.`,
        { hint: 'Retry the push; if it repeats, the store or a proxy changes uploads.' },
      );
    }
  }

  const store: ObjectStore = {
    bucket,
    async probe(signal) {
      try {
        // ListObjectsV2 (not HeadBucket) because its error body names the problem (SignatureDoesNotMatch, NoSuchBucket).
        await send(new s3.ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }), signal);
      } catch (err) {
        throw fail(err, 'listing', undefined, signal);
      }
      let objectLock = false;
      try {
        const out = await send<{ ObjectLockConfiguration?: { ObjectLockEnabled?: string } }>(new s3.GetObjectLockConfigurationCommand({ Bucket: bucket }), signal);
        objectLock = out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
      } catch (err) {
        const name = (err as { name?: string }).name ?? '';
        if (!/ObjectLockConfigurationNotFound|NotFound|NotImplemented|InvalidRequest/.test(name) && !isNotFound(err)) throw fail(err, 'reading the object-lock setting of', undefined, signal);
      }
      try {
        return { objectLock, versioning: await versioned(signal) } satisfies BucketFacts;
      } catch (err) {
        throw fail(err, 'reading the versioning setting of', undefined, signal);
      }
    },
    async list(prefix, signal) {
      const objects: RemoteObject[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await send<{ Contents?: { Key?: string; Size?: number; LastModified?: Date }[]; NextContinuationToken?: string; IsTruncated?: boolean }>(
            new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
            signal,
          );
          for (const o of out.Contents ?? []) if (o.Key) objects.push({ key: o.Key, bytes: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        throw fail(err, 'listing', prefix, signal);
      }
      return objects;
    },
    async head(key, signal) {
      try {
        const out = await send<{ ContentLength?: number; LastModified?: Date; Metadata?: Record<string, string>; ObjectLockRetainUntilDate?: Date; ObjectLockMode?: string; ObjectLockLegalHoldStatus?: string }>(
          new s3.HeadObjectCommand({ Bucket: bucket, Key: key }),
          signal,
        );
        return {
          bytes: out.ContentLength ?? 0,
          lastModified: out.LastModified ?? new Date(0),
          ...(out.Metadata?.sha256 ? { sha256: out.Metadata.sha256 } : {}),
          ...(out.ObjectLockRetainUntilDate ? { retainUntil: new Date(out.ObjectLockRetainUntilDate) } : {}),
          ...(out.ObjectLockMode ? { lockMode: out.ObjectLockMode } : {}),
          ...(out.ObjectLockLegalHoldStatus === 'ON' ? { legalHold: true } : {}),
        } satisfies RemoteHead;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw fail(err, 'reading', key, signal);
      }
    },
    async putFile(key, path, opts: PutFileOptions) {
      const size = (await stat(path)).size;
      const partSize = choosePartSize(size, options.partSize);
      const meta = { Metadata: { sha256: opts.sha256 }, ...lockParams(opts.retention) };
      try {
        if (size <= partSize) {
          const body = await readFile(path);
          await send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size, ContentMD5: md5(body), ...meta }), opts.signal);
          opts.onProgress?.(size);
        } else {
          await uploadMultipart(
            {
              create: async () => {
                const out = await send<{ UploadId?: string }>(new s3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...meta }), opts.signal);
                if (!out.UploadId) throw new OpsError(`The store returned no upload id for ${where(key)}.`);
                return out.UploadId;
              },
              uploadPart: async (uploadId, partNumber, body, signal) => {
                const out = await send<{ ETag?: string }>(
                  new s3.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length, ContentMD5: md5(body) }),
                  signal,
                );
                return out.ETag ?? '';
              },
              complete: async (uploadId, parts) => {
                await send(new s3.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), opts.signal);
              },
              abort: (uploadId) => store.abortUpload(key, uploadId),
            },
            { path, size, partSize, concurrency: options.concurrency ?? 4, signal: opts.signal, onProgress: opts.onProgress },
          );
        }
        await verifyUpload(key, size, opts.sha256, opts.signal);
      } catch (err) {
        throw fail(err, 'uploading to', key, opts.signal);
      }
    },
    async putText(key, text, opts) {
      try {
        const body = Buffer.from(text, 'utf8');
        await send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentMD5: md5(body), ContentType: 'text/plain; charset=utf-8', ...lockParams(opts.retention) }), opts.signal);
      } catch (err) {
        throw fail(err, 'uploading to', key, opts.signal);
      }
    },
    async getToFile(key, path, opts) {
      const hash = createHash('sha256');
      let bytes = 0;
      const fh = await open(path, 'wx', 0o600);
      try {
        const out = await send<{ Body?: Readable }>(new s3.GetObjectCommand({ Bucket: bucket, Key: key }), opts.signal);
        if (!out.Body) throw new OpsError(`The store returned no body for ${where(key)}.`);
        const tap = new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            bytes += chunk.length;
            opts.onProgress?.(bytes);
            done(null, chunk);
          },
        });
        await pipeline(out.Body, tap, createWriteStream('', { fd: fh, flush: true }), { signal: opts.signal });
      } catch (err) {
        await fh.close().catch(() => undefined);
        await unlink(path).catch(() => undefined);
        throw fail(err, 'downloading', key, opts.signal);
      }
      return { bytes, sha256: hash.digest('hex') };
    },
    async getText(key, signal) {
      try {
        const out = await send<{ Body?: { transformToString(): Promise<string> } }>(new s3.GetObjectCommand({ Bucket: bucket, Key: key }), signal);
        return await out.Body?.transformToString();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw fail(err, 'downloading', key, signal);
      }
    },
    async remove(key, signal): Promise<RemoveOutcome> {
      try {
        if (!(await versioned(signal))) {
          await send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key }), signal);
          return { removed: true };
        }
        // A plain delete on a versioned bucket only adds a delete marker: remove every version.
        const out = await send<{ Versions?: { Key?: string; VersionId?: string }[]; DeleteMarkers?: { Key?: string; VersionId?: string }[] }>(
          new s3.ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }),
          signal,
        );
        const versions = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === key);
        for (const v of versions) {
          try {
            await send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId }), signal);
          } catch (err) {
            if (!isLockDenied(err)) throw err;
            const head = await store.head(key, signal).catch(() => undefined);
            const until = head?.retainUntil ? `object lock until ${head.retainUntil.toISOString()}` : head?.legalHold ? 'legal hold' : 'object lock';
            return { removed: false, locked: until };
          }
        }
        return { removed: true };
      } catch (err) {
        throw fail(err, 'deleting', key, signal);
      }
    },
    async listUploads(prefix, signal) {
      const uploads: InProgressUpload[] = [];
      let keyMarker: string | undefined;
      let idMarker: string | undefined;
      try {
        for (;;) {
          const out = await send<{ Uploads?: { Key?: string; UploadId?: string; Initiated?: Date }[]; IsTruncated?: boolean; NextKeyMarker?: string; NextUploadIdMarker?: string }>(
            new s3.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: idMarker }),
            signal,
          );
          for (const u of out.Uploads ?? []) if (u.Key && u.UploadId) uploads.push({ key: u.Key, uploadId: u.UploadId, ...(u.Initiated ? { initiated: new Date(u.Initiated) } : {}) });
          if (!out.IsTruncated) break;
          [keyMarker, idMarker] = [out.NextKeyMarker, out.NextUploadIdMarker];
        }
      } catch (err) {
        throw fail(err, 'listing unfinished uploads in', prefix, signal);
      }
      return uploads;
    },
    async abortUpload(key, uploadId) {
      // Never under the run's signal: this is the cleanup after an interrupt. Bounded by the client's timeouts.
      try {
        await send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (err) {
        if (!isNotFound(err)) throw fail(err, 'aborting an unfinished upload of', key);
      }
    },
  };
  return store;
}
