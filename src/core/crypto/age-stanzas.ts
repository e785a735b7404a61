import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors.js';
import { open, seal } from './aead.js';
import { corruptHeader, decodeBase64, encodeBase64, headerMac, hkdf, type AgeHeader, type Stanza } from './age-header.js';
import type { AgeIdentity, AgeRecipient } from './age-keys.js';
import { newX25519Pair, x25519 } from './x25519.js';

const ZERO_NONCE = Buffer.alloc(12);
const X25519_INFO = 'age-encryption.org/v1/X25519';
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
/** age's default scrypt work factor (log2 N) when encrypting to a passphrase. */
export const SCRYPT_LOG_N = 18;
// age refuses higher work factors when decrypting (2^22 takes about 4 GiB); so do we.
const MAX_SCRYPT_LOG_N = 22;
const FILE_KEY_BYTES = 16;

function scryptKey(passphrase: Buffer, salt: Buffer, logN: number): Buffer {
  const N = 2 ** logN;
  return scryptSync(passphrase, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 129 * 8 * N + 1024 * 1024 });
}

/** wrapFileKey makes the stanza that gives one recipient the file key. */
export function wrapFileKey(fileKey: Buffer, recipient: AgeRecipient): Stanza {
  if (recipient.kind === 'scrypt') {
    const salt = randomBytes(16);
    const key = scryptKey(recipient.passphrase, salt, recipient.logN);
    return { type: 'scrypt', args: [encodeBase64(salt), String(recipient.logN)], body: seal(key, ZERO_NONCE, fileKey) };
  }
  const eph = newX25519Pair();
  const shared = x25519(eph.privateKey, recipient.publicKey);
  const wrapKey = hkdf(shared, Buffer.concat([eph.publicRaw, recipient.publicKey]), X25519_INFO);
  return { type: 'X25519', args: [encodeBase64(eph.publicRaw)], body: seal(wrapKey, ZERO_NONCE, fileKey) };
}

/** newFileKey draws the 16 random bytes every age file is encrypted under. */
export function newFileKey(): Buffer {
  return randomBytes(FILE_KEY_BYTES);
}

/**
 * unwrapFileKey tries one identity on one stanza: the file key, or undefined when the stanza is
 * for someone else. A malformed stanza of the identity's own type throws corruptHeader.
 */
export function unwrapFileKey(stanza: Stanza, identity: AgeIdentity): Buffer | undefined {
  if (identity.kind === 'x25519') {
    if (stanza.type !== 'X25519') return undefined;
    const share = stanza.args.length === 1 ? decodeBase64(stanza.args[0]!) : undefined;
    if (!share || share.length !== 32 || stanza.body.length !== FILE_KEY_BYTES + 16) throw corruptHeader('an X25519 stanza is malformed');
    const shared = x25519(identity.privateKey, share);
    if (shared.every((b) => b === 0)) throw corruptHeader('an X25519 stanza has a low-order share');
    const wrapKey = hkdf(shared, Buffer.concat([share, identity.publicKey]), X25519_INFO);
    return open(wrapKey, ZERO_NONCE, stanza.body);
  }
  if (stanza.type !== 'scrypt') return undefined;
  const salt = stanza.args.length === 2 ? decodeBase64(stanza.args[0]!) : undefined;
  const logN = /^[1-9][0-9]?$/.test(stanza.args[1] ?? '') ? Number(stanza.args[1]) : NaN;
  if (!salt || salt.length !== 16 || !(logN >= 1) || stanza.body.length !== FILE_KEY_BYTES + 16) throw corruptHeader('a scrypt stanza is malformed');
  if (logN > MAX_SCRYPT_LOG_N) throw new UsageError(`The archive's passphrase work factor (2^${logN}) is above age's limit (2^${MAX_SCRYPT_LOG_N}); it was not tried.`);
  return open(scryptKey(identity.passphrase, salt, logN), ZERO_NONCE, stanza.body);
}

/** NoIdentityMatches is the wording of CONTRACT/issue #21 for a wrong key or passphrase (exit 2). */
export function noIdentityMatches(): UsageError {
  return new UsageError('No identity matches this archive: it was encrypted to other keys (or another passphrase).', {
    hint: 'Point AUTOCODEX_OPS_AGE_IDENTITY at the identity file whose public key (`age-keygen -y <file>`) is among the manifest\'s recipients.',
  });
}

/**
 * recoverFileKey finds the file key of a parsed header with the given identities and checks the
 * header MAC with it. It throws noIdentityMatches when no identity opens a stanza, and
 * corruptHeader when the MAC does not match (a tampered header) or a scrypt stanza shares the
 * header with others (age forbids that, to stop a passphrase file being silently re-keyed).
 */
export function recoverFileKey(header: AgeHeader, identities: readonly AgeIdentity[]): Buffer {
  if (header.stanzas.some((s) => s.type === 'scrypt') && header.stanzas.length > 1) throw corruptHeader('a scrypt stanza is not alone in the header');
  for (const identity of identities) {
    for (const stanza of header.stanzas) {
      const fileKey = unwrapFileKey(stanza, identity);
      if (!fileKey) continue;
      if (fileKey.length !== FILE_KEY_BYTES) throw corruptHeader('a stanza holds a file key of the wrong size');
      checkHeaderMac(header, fileKey);
      return fileKey;
    }
  }
  throw noIdentityMatches();
}

/** checkHeaderMac throws corruptHeader unless the header's MAC is right for this file key. */
export function checkHeaderMac(header: AgeHeader, fileKey: Buffer): void {
  if (!timingSafeEqual(headerMac(fileKey, header.macInput), header.mac)) throw corruptHeader('the header MAC does not match (the header was altered)');
}
