import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import { ensurePrivateDir, FILE_MODE, fileSystemError, publishNoReplace, tempPathFor, writeFileAtomic, type Undo } from '../fs/write-file-atomic.js';
import { encryptionStage, recipientLabels, type ArchiveEncryption } from './archive-encryption.js';
import { createParallelGzip, type GzipStats, type ParallelGzipOptions } from './parallel-gzip.js';
import { archiveVerifier, type ArchiveListing, type ArchiveVerifier } from './read-archive.js';
import { readBack, type ReadBack } from './read-back.js';
import { garbageReleaser } from './release-garbage.js';

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

/** The in-stream check found the bytes sent to the file unreadable (gzip, age or tar), or the file does not hold them. */
class NotReadable extends Error {}

// A plain Writable over the handle: fs.WriteStream with autoClose:false never emits 'close', so
// pipeline() would wait forever; this one fsyncs in final() and leaves closing to the caller.
// Each landed write is read back and compared at once.
function fileSink(fh: FileHandle, check: ReadBack): Writable {
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      (async () => {
        for (let offset = 0; offset < chunk.length; ) {
          const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
          await check.check(chunk.subarray(offset, offset + bytesWritten)).catch((err: unknown) => {
            throw new NotReadable((err as Error).message, { cause: err });
          });
          offset += bytesWritten;
        }
      })().then(() => callback(), callback);
    },
    final(callback) {
      fh.sync().then(() => callback(), callback);
    },
  });
}

// Bytes queued for the in-stream check before the writer waits for it: a few gzip members.
const CHECK_WINDOW = 1024 * 1024;

/**
 * checkAlongside passes every chunk on unchanged and feeds the very same chunk to the verifier's
 * stages (inflate, tar parse, hashes), so what goes to the file is checked as it is written: the
 * stream ends only once the check has consumed everything, and a failing check (NotReadable)
 * fails the write. A slow check holds the writer back (CHECK_WINDOW), so memory stays bounded.
 */
function checkAlongside(stages: ArchiveVerifier['stages'], signal: AbortSignal | undefined): Transform {
  const input = new PassThrough({ highWaterMark: CHECK_WINDOW });
  const done = pipeline([input, ...stages], signal ? { signal } : {}).catch((err: unknown) => {
    throw err instanceof InterruptedError || signal?.aborted ? err : new NotReadable((err as Error).message, { cause: err });
  });
  done.catch(() => undefined);
  const failedEarly = () => done.then(() => Promise.reject(new NotReadable('the check ended before the archive did')));
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (input.write(chunk)) return callback(null, chunk);
      Promise.race([once(input, 'drain'), failedEarly()]).then(() => callback(null, chunk), callback);
    },
    flush(callback) {
      input.end();
      done.then(() => callback(), callback);
    },
    // The write failed (source, disk, abort): stop the check too; its own rejection is then moot.
    destroy(error, callback) {
      input.destroy();
      callback(error);
    },
  });
}

// The tar.gz is checked in-stream (checkAlongside) from the exact chunks handed to the file; with
// encryption it is hashed before the encryptor too (the manifest's plaintext digest), and the
// check decrypts with the file key the encryptor keeps (a server usually holds no identity).
async function compressToFile(options: WriteArchiveOptions, temp: string) {
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
  // No digest in the check: the read-back hashes the file itself, after comparing it byte for byte.
  const verifier = await archiveVerifier(options.path, { hashStored: false, ...(encryptor ? { key: { fileKey: encryptor.fileKey } } : {}) });
  // Read-write: the read-back (readBack) reads through this same handle, never the path again.
  const fh = await open(temp, 'wx+', FILE_MODE);
  let onDisk: { sha256: string; bytes: number };
  try {
    const release = garbageReleaser();
    const progress = tap((chunk) => {
      options.onProgress?.((bytesIn += chunk.length));
      release(chunk.length);
    });
    const check = readBack(fh);
    await pipeline([options.source, progress, gzip, ...encryptStages, checkAlongside(verifier.stages, options.signal), fileSink(fh, check)], { signal: options.signal });
    onDisk = await check.finish().catch((err: unknown) => {
      throw new NotReadable((err as Error).message, { cause: err });
    });
  } finally {
    await fh.close();
  }
  let listing: ArchiveListing;
  try {
    listing = { ...verifier.result(), sha256: onDisk.sha256 };
  } catch (err) {
    throw new NotReadable((err as Error).message, { cause: err });
  }
  const plaintext = encryptor ? { sha256: plainHash.digest('hex'), bytes: plainBytes } : undefined;
  return { sha256: onDisk.sha256, bytes: onDisk.bytes, gzip: gzip.stats, plaintext, listing };
}

const notReadable = (err: unknown) =>
  new OpsError(`The archive just written does not read back (${(err as Error).message}); it was removed.`, {
    cause: err,
    hint: 'The disk or file system may be failing; check `dmesg` and free space, then run the backup again.',
  });

/**
 * writeArchive compresses an uncompressed tar stream with parallel gzip (ParallelGzip), with
 * `encryption` encrypts it with age on the fly (bounded memory), into a hidden temporary file (mode
 * 0600) in the archive's folder, and verifies it: the exact bytes handed to the file are read in
 * full as they are written (decrypted with the file key it still holds, every gzip member's CRC and
 * length, every entry, the tar structure complete), and every write is read back from the file,
 * compared byte for byte and hashed (the file must end there after fsync): that digest is the
 * archive's SHA-256. It lets `inspect` judge the content, publishes the sidecars and then the
 * archive under their final names without overwriting anything, and fsyncs the folder. On any
 * failure or abort it removes the temporary file and every sidecar it published, and rejects:
 * InterruptedError after an abort, fileSystemError's wording for a full disk or a permission
 * problem, the source's own error when the tar stream fails.
 */
export async function writeArchive(options: WriteArchiveOptions): Promise<WrittenArchive> {
  const { path, signal } = options;
  try {
    throwIfAborted(signal);
    await ensurePrivateDir(dirname(path));
  } catch (err) {
    // Nothing will read the source now: destroy it, so that whatever feeds it (a helper container,
    // a folder walk) ends instead of waiting for a reader, and the caller's lock is released.
    options.source.destroy();
    throw err;
  }
  const temp = tempPathFor(path);
  const undos: Undo[] = [() => rm(temp, { force: true })];
  try {
    const stored = await compressToFile(options, temp).catch((err: unknown) => {
      if (signal?.aborted) throw new InterruptedError();
      throw err instanceof NotReadable ? notReadable(err) : fileSystemError(err, 'writing', path);
    });
    throwIfAborted(signal);
    // The check above read the bytes handed to the file; the file, read back write by write
    // (readBack), held exactly those bytes: a full read-back's guarantee without
    // decompressing everything a second time. Here the three counts must agree as well.
    const { listing } = stored;
    const plainDiffers = stored.plaintext !== undefined && (listing.plaintext?.sha256 !== stored.plaintext.sha256 || listing.plaintext.bytes !== stored.plaintext.bytes);
    if (stored.bytes !== listing.compressedBytes || listing.tarBytes !== stored.gzip.bytesIn || plainDiffers) {
      throw new OpsError(`The archive read back differs from what was written (${stored.bytes} bytes on disk, ${listing.compressedBytes} checked, ${listing.tarBytes} of ${stored.gzip.bytesIn} tar bytes); it was removed.`, {
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
