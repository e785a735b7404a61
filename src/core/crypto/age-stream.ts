import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { UsageError } from '../errors.js';
import { open, sealInto, TAG_BYTES } from './aead.js';
import { encodeHeader, hkdf, parseHeader, type AgeHeader } from './age-header.js';
import type { AgeIdentity, AgeRecipient } from './age-keys.js';
import { checkHeaderMac, newFileKey, recoverFileKey, wrapFileKey } from './age-stanzas.js';

// The age v1 payload: a 16-byte nonce, then the plaintext in 64 KiB chunks, each sealed with
// ChaCha20-Poly1305 under HKDF(file key, nonce, "payload") and a nonce of an 11-byte big-endian
// counter and a last-chunk flag (the STREAM construction), so truncation and reordering fail.
/** Plaintext bytes per payload chunk. */
export const PAYLOAD_CHUNK = 64 * 1024;
const SEALED_CHUNK = PAYLOAD_CHUNK + TAG_BYTES;
const NONCE_BYTES = 16;

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** An age encryption stream; its file key lets the writer verify the read-back without an identity. */
export interface AgeEncryptor extends Transform {
  readonly fileKey: Buffer;
}

/**
 * createAgeEncryptor returns a Transform that turns plaintext into an age v1 file for these
 * recipients (header, nonce, sealed chunks), holding at most one 64 KiB chunk. It throws
 * UsageError when given no recipient, or a passphrase together with other recipients (age
 * allows a passphrase only alone).
 */
export function createAgeEncryptor(recipients: readonly AgeRecipient[]): AgeEncryptor {
  if (recipients.length === 0) throw new UsageError('No age recipient to encrypt to.');
  if (recipients.some((r) => r.kind === 'scrypt') && recipients.length > 1) throw new UsageError('A passphrase cannot be combined with other recipients (age allows it only alone).');
  const fileKey = newFileKey();
  const nonce = randomBytes(NONCE_BYTES);
  const head = Buffer.concat([encodeHeader(recipients.map((r) => wrapFileKey(fileKey, r)), fileKey), nonce]);
  const payloadKey = hkdf(fileKey, nonce, 'payload');
  const buf = Buffer.allocUnsafe(PAYLOAD_CHUNK);
  let fill = 0;
  let counter = 0;
  let headSent = false;
  const sendHead = (t: Transform) => {
    if (!headSent) t.push(head);
    headSent = true;
  };
  // The sealed chunks of one input go out as one buffer: 64 KiB pieces would cost the file writer
  // (and every tap after it) sixteen times the calls for each 1 MiB gzip block.
  const sealNext = (out: Buffer[], last: boolean) => sealInto(out, payloadKey, chunkNonce(counter++, last), buf.subarray(0, fill));
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      sendHead(this);
      const out: Buffer[] = [];
      for (let off = 0; off < chunk.length; ) {
        // A full chunk is sealed only once more data exists: the last chunk must carry the flag.
        if (fill === PAYLOAD_CHUNK) {
          sealNext(out, false);
          fill = 0;
        }
        const n = Math.min(PAYLOAD_CHUNK - fill, chunk.length - off);
        chunk.copy(buf, fill, off, off + n);
        fill += n;
        off += n;
      }
      callback(null, out.length ? Buffer.concat(out) : undefined);
    },
    flush(callback: TransformCallback) {
      sendHead(this);
      const out: Buffer[] = [];
      sealNext(out, true);
      callback(null, Buffer.concat(out));
    },
  });
  return Object.assign(stream, { fileKey });
}

/** payloadError: the encrypted payload does not authenticate; the file is cut short or altered (exit 2). */
function payloadError(reason: string): UsageError {
  return new UsageError(`The encrypted archive is ${reason}; nothing was restored from it.`, {
    hint: 'Check the .sha256 sidecar (`sha256sum -c`) and use another copy of the backup.',
  });
}

/** How to open an age file: identities (X25519 keys, a passphrase) or the file key itself. */
export type AgeKey = { identities: readonly AgeIdentity[] } | { fileKey: Buffer };

/** An age decryption stream; `header` is set once the header has been read and authenticated. */
export interface AgeDecryptor extends Transform {
  header?: AgeHeader;
}

/**
 * createAgeDecryptor returns a Transform from an age v1 file to its plaintext, holding at most
 * one sealed chunk. It fails the stream with corruptHeader (not age, malformed, MAC mismatch),
 * noIdentityMatches (no identity opens a stanza), or a payload error (truncated, a chunk altered,
 * data after the last chunk); all are UsageError (exit 2).
 */
export function createAgeDecryptor(key: AgeKey): AgeDecryptor {
  let headBuf: Buffer | undefined = Buffer.alloc(0);
  let payloadKey: Buffer | undefined;
  const buf = Buffer.allocUnsafe(SEALED_CHUNK);
  let fill = 0;
  let counter = 0;
  const openNext = (last: boolean) => open(payloadKey!, chunkNonce(counter, last), buf.subarray(0, fill));

  const takeHeader = (stream: AgeDecryptor, chunk: Buffer): Buffer | undefined => {
    headBuf = Buffer.concat([headBuf!, chunk]);
    const header = parseHeader(headBuf);
    if (!header || headBuf.length < header.length + NONCE_BYTES) return undefined;
    let fileKey: Buffer;
    if ('fileKey' in key) {
      checkHeaderMac(header, key.fileKey);
      fileKey = key.fileKey;
    } else {
      fileKey = recoverFileKey(header, key.identities);
    }
    payloadKey = hkdf(fileKey, headBuf.subarray(header.length, header.length + NONCE_BYTES), 'payload');
    stream.header = header;
    const rest = headBuf.subarray(header.length + NONCE_BYTES);
    headBuf = undefined;
    return rest;
  };

  const stream: AgeDecryptor = new Transform({
    transform(input: Buffer, _encoding, callback: TransformCallback) {
      try {
        const chunk = payloadKey ? input : takeHeader(stream, input);
        if (!chunk) return callback();
        const out: Buffer[] = [];
        for (let off = 0; off < chunk.length; ) {
          if (fill === SEALED_CHUNK) {
            const plain = openNext(false);
            if (!plain) throw payloadError(`damaged (chunk ${counter + 1} does not authenticate)`);
            out.push(plain);
            counter++;
            fill = 0;
          }
          const n = Math.min(SEALED_CHUNK - fill, chunk.length - off);
          chunk.copy(buf, fill, off, off + n);
          fill += n;
          off += n;
        }
        callback(null, out.length ? Buffer.concat(out) : undefined);
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (!payloadKey) {
        try {
          const header = headBuf && headBuf.length > 0 ? parseHeader(headBuf) : undefined;
          callback(payloadError(header || headBuf?.length ? 'truncated (it ends inside its header)' : 'empty'));
        } catch (err) {
          callback(err as Error);
        }
        return;
      }
      if (fill === 0) return callback(payloadError('truncated (no payload after the header)'));
      const plain = openNext(true);
      if (!plain) return callback(payloadError(fill === SEALED_CHUNK && openNext(false) ? 'truncated (it ends between two chunks)' : 'truncated or damaged (its last chunk does not authenticate)'));
      if (plain.length === 0 && counter > 0) return callback(payloadError('damaged (an empty last chunk)'));
      callback(null, plain);
    },
  });
  return stream;
}
