import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdentity, parseRecipient, parseRecipientLines, identityRecipient, generateIdentity, type AgeRecipient } from '../../src/core/crypto/age-keys.js';
import { createAgeDecryptor, createAgeEncryptor, PAYLOAD_CHUNK, type AgeKey } from '../../src/core/crypto/age-stream.js';
import { SCRYPT_LOG_N } from '../../src/core/crypto/age-stanzas.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { ageKeygen, ageTool, ageWithPassphrase, writePrivate } from '../helpers/age-tool.js';

// Debian's `age` (the reference Go implementation) is the judge of our age v1 code, both ways
// (issue 21). No expected bytes are hard-coded: every key and ciphertext comes from the tools.

const dir = mkdtempSync(join(tmpdir(), 'aco-age-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const encrypt = (plain: Buffer, recipients: AgeRecipient[]) => collect(Readable.from([plain]).pipe(createAgeEncryptor(recipients)));
const decrypt = (sealed: Buffer, key: AgeKey) => collect(Readable.from(chunks(sealed, 7777)).pipe(createAgeDecryptor(key)));

function* chunks(b: Buffer, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

// Sizes around the 64 KiB chunk edges: empty, one byte, exactly one chunk, one over, exactly two.
const SIZES = [0, 1, PAYLOAD_CHUNK - 1, PAYLOAD_CHUNK, PAYLOAD_CHUNK + 1, 2 * PAYLOAD_CHUNK, 300_000];

describe('age v1 interop with the age CLI', () => {
  const alice = ageKeygen(dir, 'alice.txt');
  const bob = ageKeygen(dir, 'bob.txt');

  it('reads keys age-keygen wrote, and derives the same public key', () => {
    const id = parseIdentity(alice.secret)!;
    expect(id.kind).toBe('x25519');
    expect(identityRecipient(id as Extract<typeof id, { kind: 'x25519' }>)).toBe(alice.recipient);
    expect(parseRecipient(alice.recipient)?.kind).toBe('x25519');
  });

  it('keys we generate are accepted by age-keygen -y', () => {
    const ours = generateIdentity();
    const file = writePrivate(join(dir, 'ours.txt'), `# ours\n${ours.secret}\n`);
    expect(ageTool(['-e', '-r', ours.recipient], Buffer.from('x')).status).toBe(0);
    const r = ageTool(['-d', '-i', file], ageTool(['-e', '-r', ours.recipient], Buffer.from('hello')).stdout);
    expect(r.stdout.toString()).toBe('hello');
  });

  it.each(SIZES)('what we encrypt (%i bytes) decrypts with age -d -i', async (size) => {
    const plain = randomBytes(size);
    const sealed = await encrypt(plain, [parseRecipient(alice.recipient)!]);
    const r = ageTool(['-d', '-i', alice.file], sealed);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.equals(plain)).toBe(true);
  });

  it.each(SIZES)('what age -r encrypts (%i bytes) decrypts with ours', async (size) => {
    const plain = randomBytes(size);
    const sealed = ageTool(['-e', '-r', alice.recipient], plain).stdout;
    const out = await decrypt(sealed, { identities: [parseIdentity(alice.secret)!] });
    expect(out.equals(plain)).toBe(true);
  });

  it('two recipients: either key decrypts, with age and with ours', async () => {
    const plain = randomBytes(100_000);
    const { recipients } = parseRecipientLines(`# team keys\n${alice.recipient}\n\n  # bob\n${bob.recipient}\n`);
    const sealed = await encrypt(plain, recipients);
    for (const key of [alice, bob]) {
      expect(ageTool(['-d', '-i', key.file], sealed).stdout.equals(plain)).toBe(true);
      expect((await decrypt(sealed, { identities: [parseIdentity(key.secret)!] })).equals(plain)).toBe(true);
    }
    const fromAge = ageTool(['-e', '-r', alice.recipient, '-r', bob.recipient], plain).stdout;
    expect((await decrypt(fromAge, { identities: [parseIdentity(bob.secret)!] })).equals(plain)).toBe(true);
  });

  it('a passphrase (scrypt) file we write opens with the same passphrase in ours; a wrong one fails', async () => {
    const plain = randomBytes(70_000);
    const sealed = await encrypt(plain, [{ kind: 'scrypt', passphrase: Buffer.from('correct horse'), logN: 10 }]);
    expect((await decrypt(sealed, { identities: [{ kind: 'scrypt', passphrase: Buffer.from('correct horse') }] })).equals(plain)).toBe(true);
    await expect(decrypt(sealed, { identities: [{ kind: 'scrypt', passphrase: Buffer.from('wrong') }] })).rejects.toThrow(/No identity matches/);
    expect(SCRYPT_LOG_N).toBe(18);
  });

  it('passphrase files interoperate: age -p output opens with ours, ours opens with age -d (on a terminal)', async () => {
    const plain = randomBytes(90_000);
    const input = join(dir, 'pp-in.bin');
    writeFileSync(input, plain);
    const fromAge = join(dir, 'pp-from-age.age');
    expect(ageWithPassphrase(['-p', '-o', fromAge, input], ['tool pass 1', 'tool pass 1']).status).toBe(0);
    const sealed = readFileSync(fromAge);
    expect((await decrypt(sealed, { identities: [{ kind: 'scrypt', passphrase: Buffer.from('tool pass 1') }] })).equals(plain)).toBe(true);
    await expect(decrypt(sealed, { identities: [{ kind: 'scrypt', passphrase: Buffer.from('tool pass 2') }] })).rejects.toThrow(/No identity matches/);
    const ours = join(dir, 'pp-ours.age');
    writeFileSync(ours, await encrypt(plain, [{ kind: 'scrypt', passphrase: Buffer.from('tool pass 3'), logN: 15 }]));
    const out = join(dir, 'pp-out.bin');
    expect(ageWithPassphrase(['-d', '-o', out, ours], ['tool pass 3']).status).toBe(0);
    expect(readFileSync(out).equals(plain)).toBe(true);
  });

  it('refuses a wrong key, a truncated file, a flipped payload byte and an altered header', async () => {
    const plain = randomBytes(3 * PAYLOAD_CHUNK);
    const sealed = ageTool(['-e', '-r', alice.recipient], plain).stdout;
    const key = { identities: [parseIdentity(alice.secret)!] };
    await expect(decrypt(sealed, { identities: [parseIdentity(bob.secret)!] })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/No identity matches/) });
    const headerEnd = sealed.indexOf('\n---') + 1;
    await expect(decrypt(sealed.subarray(0, sealed.length - 100), key)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/truncated/) });
    await expect(decrypt(sealed.subarray(0, headerEnd + 60 + 16 + PAYLOAD_CHUNK + 16), key)).rejects.toThrow(/truncated/);
    await expect(decrypt(sealed.subarray(0, headerEnd - 5), key)).rejects.toThrow(/truncated|not a valid age/);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 5000]! ^= 1;
    await expect(decrypt(flipped, key)).rejects.toThrow(/damaged/);
    const header = Buffer.from(sealed);
    header[headerEnd - 2]! ^= 1; // a byte of the last stanza's body: the MAC or the stanza fails
    await expect(decrypt(header, key)).rejects.toMatchObject({ exitCode: 2 });
    await expect(decrypt(Buffer.from('not age at all\n'), key)).rejects.toThrow(/not a valid age file/);
  });
});
