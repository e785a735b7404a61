import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { archiveKey, backupEncryption, safetyEncryption } from '../../../src/commands/age-options.js';
import { createApp } from '../../../src/app.js';
import { createContext } from '../../../src/context.js';
import { loadConfig } from '../../../src/core/config/load.js';
import { generateIdentity, parseIdentity } from '../../../src/core/crypto/age-keys.js';
import { createAgeEncryptor } from '../../../src/core/crypto/age-stream.js';
import type { Runtime } from '../../../src/runtime.js';

// The argv side of issue 21: where recipients, identities and passphrases come from. A passphrase
// is read only through the runtime's terminal reader, and never without a TTY.

const dir = mkdtempSync(join(tmpdir(), 'aco-ageopt-'));
const a = generateIdentity();
const b = generateIdentity();

function setup(env: Record<string, string>, terminal?: { answers: string[] }) {
  const asked: string[] = [];
  const runtime: Runtime = {
    env,
    cwd: dir,
    home: dir,
    platform: 'linux',
    stdout: { write: () => true, isTTY: false },
    stderr: { write: () => true, isTTY: false },
    stdinIsTTY: terminal !== undefined,
    prompt: async () => '',
    signal: new AbortController().signal,
    ...(terminal ? { readSecret: async (prompt: string) => (asked.push(prompt), terminal.answers.shift() ?? '') } : {}),
  };
  const ctx = createContext({}, createApp(runtime, []), 'test');
  const { config } = loadConfig({ env, files: {}, root: dir, home: dir, platform: 'linux' });
  return { ctx, config, asked };
}

async function passphraseArchive(pass: string): Promise<string> {
  const path = join(dir, `pp-${Math.random().toString(16).slice(2)}.tar.gz.age`);
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([Buffer.from('x')]), createAgeEncryptor([{ kind: 'scrypt', passphrase: Buffer.from(pass), logN: 10 }]), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

describe('backupEncryption', () => {
  it('uses the configured recipients, none when nothing is set', async () => {
    const s = setup({ AUTOCODEX_OPS_AGE_RECIPIENTS: `${a.recipient} ${b.recipient}` });
    expect((await backupEncryption(s.ctx, s.config, { passphrase: false }))?.recipients).toHaveLength(2);
    const none = setup({});
    expect(await backupEncryption(none.ctx, none.config, { passphrase: false })).toBeUndefined();
  });
  it('--passphrase asks twice on the terminal; refuses a mismatch, an empty one, no TTY, or recipients besides', async () => {
    const ok = setup({}, { answers: ['s3cret words', 's3cret words'] });
    expect((await backupEncryption(ok.ctx, ok.config, { passphrase: true }))?.recipients).toMatchObject([{ kind: 'scrypt', logN: 18 }]);
    expect(ok.asked).toEqual(['Age passphrase: ', 'Again, to confirm: ']);
    const differ = setup({}, { answers: ['one', 'two'] });
    await expect(backupEncryption(differ.ctx, differ.config, { passphrase: true })).rejects.toThrow(/differ/);
    const empty = setup({}, { answers: [''] });
    await expect(backupEncryption(empty.ctx, empty.config, { passphrase: true })).rejects.toThrow(/empty/);
    const noTty = setup({});
    await expect(backupEncryption(noTty.ctx, noTty.config, { passphrase: true })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/terminal/) });
    const both = setup({ AUTOCODEX_OPS_AGE_RECIPIENTS: a.recipient }, { answers: ['x', 'x'] });
    await expect(backupEncryption(both.ctx, both.config, { passphrase: true })).rejects.toThrow(/cannot be combined/);
    expect(both.asked).toEqual([]);
  });
});

describe('archiveKey', () => {
  it('loads AUTOCODEX_OPS_AGE_IDENTITY; asks a passphrase only for a scrypt archive on a TTY', async () => {
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${a.secret}\n`, { mode: 0o600 });
    const withFile = setup({ AUTOCODEX_OPS_AGE_IDENTITY: keyFile });
    expect((await archiveKey(withFile.ctx, withFile.config, '/x.tar.gz.age'))?.identities).toHaveLength(1);
    const plain = setup({}, { answers: ['never asked'] });
    expect(await archiveKey(plain.ctx, plain.config, '/x.tar.gz')).toBeUndefined();
    const pp = await passphraseArchive('open sesame');
    const tty = setup({}, { answers: ['open sesame'] });
    expect((await archiveKey(tty.ctx, tty.config, pp))?.identities).toMatchObject([{ kind: 'scrypt' }]);
    expect(tty.asked).toEqual(['Age passphrase: ']);
    await expect(archiveKey(setup({}).ctx, setup({}).config, pp)).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('safetyEncryption', () => {
  const key = { identities: [parseIdentity(a.secret)!], source: 'test' };
  it('encrypts only with an identity at hand: to the recipients plus its own key, or to its own key for an encrypted archive', async () => {
    const withRecipients = setup({ AUTOCODEX_OPS_AGE_RECIPIENTS: b.recipient }).config;
    const none = setup({}).config;
    const texts = (e: Awaited<ReturnType<typeof safetyEncryption>>) => e?.recipients.map((r) => (r.kind === 'x25519' ? r.text : r.kind));
    expect(texts(await safetyEncryption(withRecipients, key, '/x.tar.gz'))).toEqual([b.recipient, a.recipient]);
    expect(texts(await safetyEncryption(none, key, '/x.tar.gz.age'))).toEqual([a.recipient]);
    expect(await safetyEncryption(none, key, '/x.tar.gz')).toBeUndefined();
    expect(await safetyEncryption(withRecipients, undefined, '/x.tar.gz.age')).toBeUndefined();
    expect(await safetyEncryption(withRecipients, { identities: [{ kind: 'scrypt', passphrase: Buffer.from('p') }], source: 'passphrase' }, '/x.tar.gz.age')).toBeUndefined();
  });
});
