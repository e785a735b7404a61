import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { offsiteEncryptionRule } from '../../../../src/core/archive/archive-encryption.js';
import { bech32Decode, bech32Encode } from '../../../../src/core/crypto/bech32.js';
import { generateIdentity, parseIdentity, parseRecipient } from '../../../../src/core/crypto/age-keys.js';
import { loadIdentityFile, loadRecipients } from '../../../../src/core/crypto/key-files.js';

// Key handling of issue 21: recipients from a list and a file, identity files refused unless
// private, and no secret ever quoted in a message. (Interop with age-keygen: tests/integration/age-interop.)

const dir = mkdtempSync(join(tmpdir(), 'aco-keys-'));
const a = generateIdentity();
const b = generateIdentity();

describe('bech32 and key parsing', () => {
  it('round-trips, and rejects a changed character, mixed case and the wrong kind of key', () => {
    expect(bech32Decode(bech32Encode('age', Buffer.alloc(32, 1)))?.data).toEqual(Buffer.alloc(32, 1));
    const flipped = a.recipient.slice(0, -1) + (a.recipient.endsWith('q') ? 'p' : 'q');
    expect(parseRecipient(flipped)).toBeUndefined();
    expect(parseRecipient(a.recipient.toUpperCase())).toBeUndefined();
    expect(parseRecipient(a.secret)).toBeUndefined();
    expect(parseIdentity(a.recipient)).toBeUndefined();
    expect(parseIdentity(a.secret.toLowerCase())).toBeUndefined();
    expect(parseIdentity(a.secret)?.kind).toBe('x25519');
  });
});

describe('loadRecipients', () => {
  it('reads both sources, comma- or space-separated, drops duplicates; undefined when none is set', async () => {
    const file = join(dir, 'r.txt');
    writeFileSync(file, `# team\n\n  ${b.recipient}  \n# ${a.recipient}\n`);
    const rs = await loadRecipients({ recipients: `${a.recipient}, ${b.recipient}`, recipientsFile: file });
    expect(rs?.map((r) => (r.kind === 'x25519' ? r.text : ''))).toEqual([a.recipient, b.recipient]);
    expect(await loadRecipients({})).toBeUndefined();
  });
  it('names every bad entry (line numbers for the file), refuses an empty or missing file', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, `${a.recipient}\nssh-ed25519 AAAA x\nhello\n`);
    await expect(loadRecipients({ recipients: 'age1zzz', recipientsFile: file })).rejects.toThrow(/'age1zzz' is not an age recipient[\s\S]*line 2: not an X25519[\s\S]*line 3: not an age recipient/);
    writeFileSync(join(dir, 'empty.txt'), '# nothing\n');
    await expect(loadRecipients({ recipientsFile: join(dir, 'empty.txt') })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/no recipient key found/) });
    await expect(loadRecipients({ recipientsFile: join(dir, 'nope.txt') })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('loadIdentityFile', () => {
  const write = (name: string, text: string, mode = 0o600) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    chmodSync(p, mode);
    return p;
  };
  it('reads a 0600 file with comments', async () => {
    const ids = await loadIdentityFile(write('ok.txt', `# created: now\n# public key: ${a.recipient}\n${a.secret}\n`));
    expect(ids).toHaveLength(1);
  });
  it('refuses 0644 and 0640, a link, a missing file (exit 10), and never quotes a damaged key', async () => {
    await expect(loadIdentityFile(write('open.txt', `${a.secret}\n`, 0o644))).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/mode 0644: readable by others; refused/) });
    await expect(loadIdentityFile(write('group.txt', `${a.secret}\n`, 0o640))).rejects.toThrow(/mode 0640/);
    const link = join(dir, 'link.txt');
    symlinkSync(join(dir, 'ok.txt'), link);
    await expect(loadIdentityFile(link)).rejects.toThrow(/symbolic link; refused/);
    await expect(loadIdentityFile(join(dir, 'missing.txt'))).rejects.toMatchObject({ exitCode: 10 });
    const damaged = `${a.secret.slice(0, -2)}XX`;
    const err = (await loadIdentityFile(write('damaged.txt', `${damaged}\n`)).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/line 1: not an age secret key/);
    expect(err.message).not.toContain(damaged.slice(16, 40));
    await expect(loadIdentityFile(write('encrypted.txt', 'age-encryption.org/v1\n-> scrypt x 18\n'))).rejects.toThrow(/passphrase-encrypted identity file/);
  });
});

describe('offsiteEncryptionRule', () => {
  it('passes .age, warns for plain, refuses plain when required (exit 2)', () => {
    expect(offsiteEncryptionRule('/b/x.tar.gz.age', true)).toBeUndefined();
    expect(offsiteEncryptionRule('/b/x.tar.gz', false)).toMatch(/unencrypted/);
    expect(() => offsiteEncryptionRule('/b/x.tar.gz', true)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
