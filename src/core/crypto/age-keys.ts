import type { KeyObject } from 'node:crypto';
import { bech32Decode, bech32Encode } from './bech32.js';
import { newX25519Pair, rawPublicKey, x25519PrivateKey } from './x25519.js';

/** Who an archive is encrypted to: an X25519 public key (`age1…`) or a passphrase (scrypt). */
export type AgeRecipient = { kind: 'x25519'; publicKey: Buffer; text: string } | { kind: 'scrypt'; passphrase: Buffer; logN: number };

/** What can open an archive: an X25519 secret key (`AGE-SECRET-KEY-1…`) or a passphrase. */
export type AgeIdentity = { kind: 'x25519'; privateKey: KeyObject; publicKey: Buffer } | { kind: 'scrypt'; passphrase: Buffer };

const RECIPIENT_HRP = 'age';
const IDENTITY_HRP = 'age-secret-key-';

/** parseRecipient reads an `age1…` public key; undefined when it is not one (plugin and SSH keys included). */
export function parseRecipient(text: string): AgeRecipient | undefined {
  if (text !== text.toLowerCase()) return undefined;
  const decoded = bech32Decode(text);
  if (!decoded || decoded.hrp !== RECIPIENT_HRP || decoded.data.length !== 32) return undefined;
  return { kind: 'x25519', publicKey: decoded.data, text };
}

/** parseIdentity reads an `AGE-SECRET-KEY-1…` line; undefined when it is not one. */
export function parseIdentity(text: string): AgeIdentity | undefined {
  if (text !== text.toUpperCase()) return undefined;
  const decoded = bech32Decode(text);
  if (!decoded || decoded.hrp !== IDENTITY_HRP || decoded.data.length !== 32) return undefined;
  const privateKey = x25519PrivateKey(decoded.data);
  return { kind: 'x25519', privateKey, publicKey: rawPublicKey(privateKey) };
}

/** recipientText renders a public key as `age1…`. */
export function recipientText(publicKey: Uint8Array): string {
  return bech32Encode(RECIPIENT_HRP, publicKey);
}

/** identityRecipient is the `age1…` public key of an X25519 identity (what `age-keygen -y` prints). */
export function identityRecipient(identity: Extract<AgeIdentity, { kind: 'x25519' }>): string {
  return recipientText(identity.publicKey);
}

/** generateIdentity makes a new X25519 identity and returns its secret-key line and its recipient. */
export function generateIdentity(): { secret: string; recipient: string } {
  const { privateKey, publicRaw } = newX25519Pair();
  const raw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  return { secret: bech32Encode(IDENTITY_HRP, raw).toUpperCase(), recipient: recipientText(publicRaw) };
}

/** A recipients list's line that is not an `age1…` key: its line number and why. */
export interface KeyListProblem {
  line: number;
  reason: string;
}

/**
 * parseRecipientLines reads a recipients file as `age -R` does: one key per line, blank lines
 * and `#` comments ignored. Keys of other types (ssh-*, plugins) are reported, not skipped.
 */
export function parseRecipientLines(text: string): { recipients: AgeRecipient[]; problems: KeyListProblem[] } {
  const recipients: AgeRecipient[] = [];
  const problems: KeyListProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const r = parseRecipient(line);
    if (r) recipients.push(r);
    else problems.push({ line: i + 1, reason: line.startsWith('ssh-') || line.startsWith('age1') ? 'not an X25519 age recipient (SSH and plugin keys are not supported)' : 'not an age recipient (age1…)' });
  });
  return { recipients, problems };
}

/**
 * parseIdentityLines reads an identity file as `age -i` does for native keys: one
 * `AGE-SECRET-KEY-1…` per line, blank lines and `#` comments ignored. A problem never quotes the
 * line, which may be a damaged secret key.
 */
export function parseIdentityLines(text: string): { identities: AgeIdentity[]; problems: KeyListProblem[] } {
  const identities: AgeIdentity[] = [];
  const problems: KeyListProblem[] = [];
  if (text.startsWith('age-encryption.org/v1') || text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) {
    return { identities, problems: [{ line: 1, reason: 'a passphrase-encrypted identity file; decrypt it with `age -d` into a 0600 file first' }] };
  }
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const id = parseIdentity(line);
    if (id) identities.push(id);
    else problems.push({ line: i + 1, reason: 'not an age secret key (AGE-SECRET-KEY-1…)' });
  });
  return { identities, problems };
}
