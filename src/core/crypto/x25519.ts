import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';

// node:crypto takes raw X25519 keys only inside DER wrappers: these are the fixed RFC 8410 prefixes
// of a PKCS#8 private key and an SPKI public key for the id-X25519 OID (1.3.101.110).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** x25519PrivateKey wraps 32 raw scalar bytes as a KeyObject (node clamps them as X25519 requires). */
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

/** x25519PublicKey wraps 32 raw public bytes (a u-coordinate) as a KeyObject. */
export function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** rawPublicKey returns the 32 raw bytes of an X25519 public key (or of a private key's public half). */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

/** rawPrivateKey returns the 32 raw bytes of an X25519 private key. */
export function rawPrivateKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
}

/** x25519 computes the shared secret of a private key and a peer's raw public bytes. */
export function x25519(privateKey: KeyObject, peer: Uint8Array): Buffer {
  return diffieHellman({ privateKey, publicKey: x25519PublicKey(peer) });
}

/** newX25519Pair generates a fresh key pair (the ephemeral share of every X25519 stanza). */
export function newX25519Pair(): { privateKey: KeyObject; publicRaw: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicRaw: rawPublicKey(publicKey) };
}
