import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import { ensurePrivateDir, FILE_MODE, fileSystemError, publishNoReplace, tempPathFor, writeFileAtomic, type Undo } from '../fs/write-file-atomic.js';
import { encryptionStage, recipientLabels, type ArchiveEncryption } from './archive-encryption.js';
import { createParallelGzip, type GzipStats, type ParallelGzipOptions } from './parallel-gzip.js';
import { readArchive, type ArchiveListing } from './read-archive.js';

/** What writeArchive needs: where, what (an uncompressed tar stream) and what goes beside it. */
export interface WriteArchiveOptions {
  /** Final path of the `.tar.gz` (`.tar.gz.age` when encrypted); its folder is created with mode 0700 when missing. */
  path: string;
  /** Encrypt the tar.gz with age to these recipients on its way to the disk (issue 21). */
  encryption?: ArchiveEncryption;
  /** The uncompressed tar stream to store; it is consumed and destroyed on failure. */
  source: Readable;
  signal?: AbortSignal;
  gzip?: ParallelGzipOptions;
  /** Called with the uncompressed bytes read so far, as they pass. */
  onProgress?: (bytesIn: number) => void;
  /** Judges the verified content before anything is published; throw to refuse the archive. */
  inspect?: (listing: ArchiveListing) => void | Promise<void>;
  /** Files published beside the archive, `suffix → content` (e.g. `.sha256`), built from the verified result. */
  sidecars?: (written: WrittenArchive) => Record<string, string>;
}

/** A written, read-back and published archive. */
export interface WrittenArchive {
  path: string;
  sha256: string;
  /** Bytes on disk (compressed). */
  bytes: number;
  /** Bytes of the tar stream (uncompressed). */
  tarBytes: number;
  gzip: GzipStats;
  /** The full read-back: entries, content bytes and the digest of what is on disk. */
  listing: ArchiveListing;
  verifiedAt: Date;
  /** Paths published beside the archive, in the order they were written. */
  sidecars: string[];
  /** For an encrypted archive: its recipients and the tar.gz's digest and size (before encryption). */
  encryption?: WrittenEncryption;
}

/** What the manifest records of an encrypted archive; nothing secret. */
export interface WrittenEncryption {
  format: 'age-v1';
  /** `age1…` public keys, or `passphrase`. */
  recipients: string[];
  plaintextSha256: string;
  plaintextBytes: number;
}

function tap(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      see(chunk);
      callback(null, chunk);
    },
  });
}

// A plain Writable over the handle: fs.WriteStream with autoClose:false never emits 'close', so
// pipeline() would wait forever; this one fsyncs in final() and leaves closing to the caller.
function fileSink(fh: FileHandle): Writable {
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      (async () => {
        for (let offset = 0; offset < chunk.length; ) offset += (await fh.write(chunk, offset, chunk.length - offset)).bytesWritten;
      })().then(() => callback(), callback);
    },
    final(callback) {
      fh.sync().then(() => callback(), callback);
    },
  });
}

// With encryption the tar.gz is hashed before the encryptor (the manifest's plaintext digest) and
// the file after it (the sidecar's digest); the encryptor keeps its file key for the read-back.
async function compressToFile(options: WriteArchiveOptions, temp: string) {
  const hash = createHash('sha256');
  let bytes = 0;
  let bytesIn = 0;
  const gzip = createParallelGzip(options.gzip);
  const plainHash = createHash('sha256');
  let plainBytes = 0;
  const encryptor = options.encryption ? encryptionStage(options.encryption) : undefined;
  const encryptStages = encryptor
    ? [
        tap((chunk) => {
          plainHash.update(chunk);
          plainBytes += chunk.length;
        }),
        encryptor,
      ]
    : [];
  const fh = await open(temp, 'wx', FILE_MODE);
  try {
    const progress = tap((chunk) => options.onProgress?.((bytesIn += chunk.length)));
    const digest = tap((chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    await pipeline([options.source, progress, gzip, ...encryptStages, digest, fileSink(fh)], { signal: options.signal });
  } finally {
    await fh.close();
  }
  const plaintext = encryptor ? { sha256: plainHash.digest('hex'), bytes: plainBytes, fileKey: encryptor.fileKey } : undefined;
  return { sha256: hash.digest('hex'), bytes, gzip: gzip.stats, plaintext };
}

async function readBack(path: string, signal: AbortSignal | undefined, fileKey: Buffer | undefined): Promise<ArchiveListing> {
  try {
    // The file key makes the read-back of an encrypted archive as complete as a plain one's,
    // with no identity on the machine (a server usually holds only the public keys).
    return await readArchive(path, signal, fileKey ? { key: { fileKey } } : {});
  } catch (err) {
    throwIfAborted(signal);
    throw new OpsError(`The archive just written does not read back (${(err as Error).message}); it was removed.`, {
      cause: err,
      hint: 'The disk or file system may be failing; check `dmesg` and free space, then run the backup again.',
    });
  }
}

/**
 * writeArchive compresses an uncompressed tar stream with parallel gzip (ParallelGzip), with
 * `encryption` encrypts it with age on the fly (bounded memory), into a hidden temporary file (mode 0600) in the archive's folder, fsyncs it, reads it back whole
 * (decrypted with the file key it still holds, every entry decompressed, the tar structure
 * complete, the SHA-256 of what is on disk and of the tar.gz equal to what was written), lets `inspect` judge the content, publishes the sidecars and then the
 * archive under their final names without overwriting anything, and fsyncs the folder. On any
 * failure or abort it removes the temporary file and every sidecar it published, and rejects:
 * InterruptedError after an abort, fileSystemError's wording for a full disk or a permission
 * problem, the source's own error when the tar stream fails.
 */
export async function writeArchive(options: WriteArchiveOptions): Promise<WrittenArchive> {
  const { path, signal } = options;
  throwIfAborted(signal);
  await ensurePrivateDir(dirname(path));
  const temp = tempPathFor(path);
  const undos: Undo[] = [() => rm(temp, { force: true })];
  try {
    const stored = await compressToFile(options, temp).catch((err: unknown) => {
      throw signal?.aborted ? new InterruptedError() : fileSystemError(err, 'writing', path);
    });
    throwIfAborted(signal);
    const listing = await readBack(temp, signal, stored.plaintext?.fileKey);
    const plainDiffers = stored.plaintext !== undefined && (listing.plaintext?.sha256 !== stored.plaintext.sha256 || listing.plaintext.bytes !== stored.plaintext.bytes);
    if (listing.sha256 !== stored.sha256 || listing.compressedBytes !== stored.bytes || listing.tarBytes !== stored.gzip.bytesIn || plainDiffers) {
      throw new OpsError(`The archive read back differs from what was written (sha256 ${listing.sha256} vs ${stored.sha256}); it was removed.`, {
        hint: 'The disk or file system may be failing; check `dmesg`, then run the backup again.',
      });
    }
    await options.inspect?.(listing);
    const written: WrittenArchive = { path, sha256: stored.sha256, bytes: stored.bytes, tarBytes: stored.gzip.bytesIn, gzip: stored.gzip, listing, verifiedAt: new Date(), sidecars: [] };
    if (options.encryption && stored.plaintext) {
      written.encryption = { format: 'age-v1', recipients: recipientLabels(options.encryption), plaintextSha256: stored.plaintext.sha256, plaintextBytes: stored.plaintext.bytes };
    }
    // Sidecars first, archive last: a published archive always has its checksum and manifest.
    for (const [suffix, content] of Object.entries(options.sidecars?.(written) ?? {})) {
      throwIfAborted(signal);
      undos.push(await writeFileAtomic(`${path}${suffix}`, content));
      written.sidecars.push(`${path}${suffix}`);
    }
    throwIfAborted(signal);
    await publishNoReplace(temp, path);
    return written;
  } catch (err) {
    for (const undo of undos.reverse()) await undo().catch(() => undefined);
    throw err;
  }
}
