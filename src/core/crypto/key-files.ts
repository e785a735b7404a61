import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { PrerequisiteError, UsageError } from '../errors.js';
import { corruptHeader, parseHeader, type AgeHeader } from './age-header.js';
import { parseIdentityLines, parseRecipient, parseRecipientLines, type AgeIdentity, type AgeRecipient, type KeyListProblem } from './age-keys.js';

// Issue 21: recipients come from AUTOCODEX_OPS_AGE_RECIPIENTS(_FILE) or --recipient/--recipients-file;
// the identity from AUTOCODEX_OPS_AGE_IDENTITY, a path, never a key on argv or in a message.

/** Where recipients are configured: the raw list (comma- or space-separated) and/or a file as `age -R` reads it. */
export interface RecipientSources {
  recipients?: string;
  recipientsFile?: string;
}

const problemList = (where: string, problems: KeyListProblem[]) => problems.map((p) => `${where} line ${p.line}: ${p.reason}`);

/**
 * loadRecipients collects the age recipients of both sources; undefined when neither is set. It
 * throws UsageError (exit 2, nothing written) naming every entry that is not an `age1…` key, an
 * unreadable recipients file, or sources that yield no key at all.
 */
export async function loadRecipients(sources: RecipientSources): Promise<AgeRecipient[] | undefined> {
  if (!sources.recipients && !sources.recipientsFile) return undefined;
  const recipients: AgeRecipient[] = [];
  const problems: string[] = [];
  for (const text of (sources.recipients ?? '').split(/[\s,]+/).filter(Boolean)) {
    const r = parseRecipient(text);
    if (r) recipients.push(r);
    else problems.push(`AUTOCODEX_OPS_AGE_RECIPIENTS / --recipient: '${text.slice(0, 80)}' is not an age recipient (age1…)`);
  }
  if (sources.recipientsFile) {
    let text: string;
    try {
      text = await readFile(sources.recipientsFile, 'utf8');
    } catch (err) {
      throw new UsageError(`Cannot read the age recipients file ${sources.recipientsFile}: ${(err as Error).message}`, {
        hint: 'Fix AUTOCODEX_OPS_AGE_RECIPIENTS_FILE or --recipients-file; nothing was written.',
      });
    }
    const parsed = parseRecipientLines(text);
    recipients.push(...parsed.recipients);
    problems.push(...problemList(sources.recipientsFile, parsed.problems));
  }
  if (problems.length > 0 || recipients.length === 0) {
    throw new UsageError(`Invalid age recipients; nothing was written:\n${(problems.length ? problems : ['no recipient key found']).map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'Recipients are age X25519 public keys (`age-keygen -y key.txt` prints one).',
    });
  }
  // The same key twice would only add a stanza.
  const seen = new Set<string>();
  return recipients.filter((r) => r.kind !== 'x25519' || (!seen.has(r.text) && seen.add(r.text)));
}

/**
 * loadIdentityFile reads an age identity file after checking it is a regular file (not a link),
 * owned by this user and not readable by group or others (mode 0600 or stricter), each refusal
 * with its reason (UsageError, exit 2); a missing file is PrerequisiteError (exit 10). Its
 * problems name line numbers, never the lines.
 */
export async function loadIdentityFile(path: string): Promise<AgeIdentity[]> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PrerequisiteError(`The age identity file ${path} does not exist; nothing was changed.`, { hint: 'Fix AUTOCODEX_OPS_AGE_IDENTITY, or copy the identity file from where you keep it.' });
    if (code === 'ELOOP') throw new UsageError(`The age identity file ${path} is a symbolic link; refused.`, { hint: 'Point AUTOCODEX_OPS_AGE_IDENTITY at the file itself.' });
    throw new UsageError(`Cannot open the age identity file ${path}: ${(err as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UsageError(`The age identity file ${path} is not a regular file; refused.`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw new UsageError(`The age identity file ${path} belongs to uid ${st.uid}, not to this user (uid ${uid}); refused.`, { hint: `chown ${uid} ${path}` });
    if ((st.mode & 0o077) !== 0) {
      throw new UsageError(`The age identity file ${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: readable by others; refused.`, { hint: `chmod 600 ${path}` });
    }
    const parsed = parseIdentityLines(await fh.readFile('utf8'));
    if (parsed.problems.length > 0 || parsed.identities.length === 0) {
      const lines = parsed.problems.length ? problemList(path, parsed.problems) : [`${path}: no AGE-SECRET-KEY-1… line`];
      throw new UsageError(`The age identity file is not usable:\n${lines.map((l) => `  - ${l}`).join('\n')}`, { hint: '`age-keygen -o key.txt` writes one.' });
    }
    return parsed.identities;
  } finally {
    await fh.close();
  }
}

/** readAgeHeader reads and parses the header of an age file on disk (never its payload); throws corruptHeader. */
export async function readAgeHeader(path: string): Promise<AgeHeader> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const header = parseHeader(buf.subarray(0, bytesRead));
    if (!header) throw corruptHeader(bytesRead < buf.length ? 'it ends inside its header' : 'its header is over 64 KiB');
    return header;
  } finally {
    await fh.close();
  }
}
