import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandContext } from '../context.js';
import { isEncryptedArchive, type ArchiveEncryption, type ArchiveKey } from '../core/archive/archive-encryption.js';
import { recipientText, type AgeRecipient } from '../core/crypto/age-keys.js';
import { SCRYPT_LOG_N } from '../core/crypto/age-stanzas.js';
import { loadIdentityFile, loadRecipients, readAgeHeader } from '../core/crypto/key-files.js';
import type { OpsConfig } from '../core/config/load.js';
import { UsageError } from '../core/errors.js';

// Issue 21 at the argv layer: which recipients a backup is encrypted to, and which identity
// opens an archive. Keys come from files and the environment; a passphrase only from the terminal.

/** zod fields of the encryption flags on the backup commands. */
export const encryptionFields = {
  recipient: z.array(z.string().min(1)).optional(),
  recipientsFile: z.string().min(1).optional(),
  passphrase: z.boolean().default(false),
};

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** addEncryptionOptions declares --recipient (repeatable), --recipients-file and --passphrase. */
export function addEncryptionOptions(cmd: Command): Command {
  return cmd
    .option('--recipient <age1…>', 'encrypt with age to this public key (repeatable; env AUTOCODEX_OPS_AGE_RECIPIENTS)', collect)
    .option('--recipients-file <file>', 'encrypt with age to the public keys in this file, one per line, # comments (env AUTOCODEX_OPS_AGE_RECIPIENTS_FILE)')
    .option('--passphrase', 'encrypt with an age passphrase asked on the terminal (TTY only; not with recipients)', false);
}

async function askPassphrase(ctx: CommandContext, confirm: boolean): Promise<Buffer> {
  const read = ctx.runtime.readSecret;
  if (!ctx.runtime.stdinIsTTY || !read) {
    throw new UsageError('An age passphrase is asked on a terminal only, and stdin is not one; nothing was changed.', {
      hint: 'Use an identity file instead (AUTOCODEX_OPS_AGE_RECIPIENTS for backups, AUTOCODEX_OPS_AGE_IDENTITY to read them).',
    });
  }
  const first = await read('Age passphrase: ', ctx.signal);
  if (!first) throw new UsageError('The passphrase is empty; nothing was changed.');
  // Scrubbed from every later line of output, should it ever reach one.
  ctx.app.redactor.addSecret(first);
  if (confirm && (await read('Again, to confirm: ', ctx.signal)) !== first) throw new UsageError('The two passphrases differ; nothing was changed.');
  return Buffer.from(first, 'utf8');
}

/**
 * backupEncryption decides how a new backup is encrypted: to the configured recipients (flags,
 * then AUTOCODEX_OPS_AGE_RECIPIENTS(_FILE)), to a passphrase asked twice on the terminal with
 * --passphrase, or not at all. Throws UsageError for invalid recipients or --passphrase together
 * with recipients or without a TTY.
 */
export async function backupEncryption(ctx: CommandContext, config: OpsConfig, options: { passphrase: boolean }): Promise<ArchiveEncryption | undefined> {
  const recipients = await loadRecipients(config.age);
  if (options.passphrase) {
    if (recipients) throw new UsageError('--passphrase cannot be combined with age recipients (age allows a passphrase only alone); nothing was changed.', { hint: 'Unset AUTOCODEX_OPS_AGE_RECIPIENTS(_FILE) for this run, or drop --passphrase.' });
    return { recipients: [{ kind: 'scrypt', passphrase: await askPassphrase(ctx, true), logN: SCRYPT_LOG_N }] };
  }
  return recipients ? { recipients } : undefined;
}

/**
 * archiveKey loads what opens encrypted archives: the identity file of AUTOCODEX_OPS_AGE_IDENTITY
 * (refused unless 0600 and this user's); else, for a passphrase-encrypted `archive`, the passphrase
 * asked on the terminal; else undefined (reading an `.age` archive then fails with exit 10).
 */
export async function archiveKey(ctx: CommandContext, config: OpsConfig, archive?: string): Promise<ArchiveKey | undefined> {
  const file = config.age.identityFile;
  if (file) return { identities: await loadIdentityFile(file), source: `identity file ${file}` };
  if (!archive || !isEncryptedArchive(archive)) return undefined;
  const header = await readAgeHeader(archive).catch(() => undefined);
  if (!header?.stanzas.some((s) => s.type === 'scrypt')) return undefined;
  return { identities: [{ kind: 'scrypt', passphrase: await askPassphrase(ctx, false) }], source: 'passphrase' };
}

/**
 * safetyEncryption is issue 21's rule for a restore's safety copy: encrypted only when an
 * identity file is at hand (an automatic rollback must never need a key that is not on the
 * machine) and either recipients are configured or the archive being restored is encrypted; then
 * to the configured recipients plus the identity's own public keys.
 */
export async function safetyEncryption(config: OpsConfig, key: ArchiveKey | undefined, archive: string): Promise<ArchiveEncryption | undefined> {
  const own: AgeRecipient[] = (key?.identities ?? []).flatMap((id) => (id.kind === 'x25519' ? [{ kind: 'x25519' as const, publicKey: id.publicKey, text: recipientText(id.publicKey) }] : []));
  if (own.length === 0) return undefined;
  const configured = await loadRecipients(config.age);
  if (!configured && !isEncryptedArchive(archive)) return undefined;
  const seen = new Set<string>();
  const recipients = [...(configured ?? []), ...own].filter((r) => r.kind !== 'x25519' || (!seen.has(r.text) && seen.add(r.text)));
  return { recipients };
}
