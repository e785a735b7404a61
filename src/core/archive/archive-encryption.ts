import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { PrerequisiteError, UsageError } from '../errors.js';
import type { AgeIdentity, AgeRecipient } from '../crypto/age-keys.js';
import { createAgeDecryptor, createAgeEncryptor, type AgeEncryptor, type AgeKey } from '../crypto/age-stream.js';

// Issue 21: backups encrypted with age (the `age` tool opens them by hand during an incident).
// This module is the seam between the archive layer and the age code: names, keys, stream stages.

/** The suffix of an encrypted archive: `<name>.tar.gz.age` (CONTRACT second wave "Files"). */
export const AGE_SUFFIX = '.age';

/** Whom new archives are encrypted to; `described` are the public keys (or "passphrase") for the manifest. */
export interface ArchiveEncryption {
  recipients: AgeRecipient[];
}

/** The identities at hand for decrypting, and where they came from (for messages; never the key). */
export interface ArchiveKey {
  identities: AgeIdentity[];
  /** e.g. "identity file /root/.config/age/key.txt" or "passphrase". */
  source: string;
}

/** isEncryptedArchive says whether a path names an age-encrypted archive. */
export function isEncryptedArchive(path: string): boolean {
  return path.endsWith(AGE_SUFFIX);
}

/** recipientLabels lists an encryption's recipients as the manifest records them: `age1…` keys, or `passphrase`. */
export function recipientLabels(encryption: ArchiveEncryption): string[] {
  return encryption.recipients.map((r) => (r.kind === 'x25519' ? r.text : 'passphrase'));
}

/** noIdentityConfigured: an encrypted archive and no identity (exit 10, CONTRACT prerequisite). */
export function noIdentityConfigured(path: string): PrerequisiteError {
  return new PrerequisiteError(`${path} is encrypted (age) and no identity is configured to decrypt it; nothing was changed.`, {
    hint: 'Set AUTOCODEX_OPS_AGE_IDENTITY to the path of the age identity file (mode 0600) whose public key is in the manifest\'s recipients, or decrypt by hand: `age -d -i key.txt <archive> > plain.tar.gz`.',
  });
}

function tap(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      see(chunk);
      callback(null, chunk);
    },
  });
}

/**
 * decryptionStages returns the pipeline stages that turn the stored bytes of `path` into its
 * tar.gz: none for a plain archive; for an `.age` one the decryptor and a tap that hashes the
 * plaintext (read `plaintext()` after the pipeline ends). `key` may also be the file key the
 * writer still holds. Throws noIdentityConfigured for an `.age` path without a key.
 */
export function decryptionStages(path: string, key: ArchiveKey | { fileKey: Buffer } | undefined): { stages: Transform[]; plaintext?: () => { sha256: string; bytes: number } } {
  // A writer's file key means "this is age" whatever the (temporary) name says.
  const withFileKey = key !== undefined && 'fileKey' in key;
  if (!isEncryptedArchive(path) && !withFileKey) return { stages: [] };
  if (!key) throw noIdentityConfigured(path);
  const ageKey: AgeKey = 'fileKey' in key ? { fileKey: key.fileKey } : { identities: key.identities };
  const hash = createHash('sha256');
  let bytes = 0;
  const plain = tap((chunk) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  return { stages: [createAgeDecryptor(ageKey), plain], plaintext: () => ({ sha256: hash.digest('hex'), bytes }) };
}

/** encryptionStage returns the age encryptor for an archive being written (it keeps the file key for the read-back). */
export function encryptionStage(encryption: ArchiveEncryption): AgeEncryptor {
  return createAgeEncryptor(encryption.recipients);
}

/**
 * offsiteEncryptionRule is issue 21's rule for `backup push` (the offsite use case calls it before
 * any upload): an encrypted archive passes; a plain one returns the warning to log, or, with
 * AUTOCODEX_OPS_OFFSITE_REQUIRE_ENCRYPTION=true (`required`), throws UsageError (exit 2, nothing pushed).
 */
export function offsiteEncryptionRule(archive: string, required: boolean): string | undefined {
  if (isEncryptedArchive(archive)) return undefined;
  const hint = 'Set AUTOCODEX_OPS_AGE_RECIPIENTS (or AUTOCODEX_OPS_AGE_RECIPIENTS_FILE) so that backups are written as .tar.gz.age, then push those.';
  if (required) throw new UsageError(`Refusing to push ${archive}: it is not encrypted and AUTOCODEX_OPS_OFFSITE_REQUIRE_ENCRYPTION is set; nothing was pushed.`, { hint });
  return `Pushing ${archive} unencrypted: anyone who can read the bucket can read its tokens and data. ${hint}`;
}
