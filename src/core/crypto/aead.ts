import { createCipheriv, createDecipheriv } from 'node:crypto';

/** Bytes of a ChaCha20-Poly1305 tag. */
export const TAG_BYTES = 16;

/** sealInto encrypts with ChaCha20-Poly1305 (RFC 8439) and appends the ciphertext and the 16-byte tag to `out` (no copy). */
export function sealInto(out: Buffer[], key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): void {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  out.push(cipher.update(plaintext));
  const tail = cipher.final();
  if (tail.length) out.push(tail);
  out.push(cipher.getAuthTag());
}

/** seal encrypts with ChaCha20-Poly1305 (RFC 8439) and returns ciphertext followed by the 16-byte tag. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const out: Buffer[] = [];
  sealInto(out, key, nonce, plaintext);
  return Buffer.concat(out);
}

/** open decrypts `ciphertext || tag` with ChaCha20-Poly1305; undefined when the tag does not verify. */
export function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    return head.length ? Buffer.concat([head, decipher.final()]) : decipher.final();
  } catch {
    return undefined;
  }
}
