import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../../../src/core/archive/read-archive.js';
import { generateIdentity, parseIdentity, parseRecipient } from '../../../../src/core/crypto/age-keys.js';
import { createAgeEncryptor } from '../../../../src/core/crypto/age-stream.js';
import { backupIntegrityCheck } from '../../../../src/core/health/checks/backups.js';
import { makeArchive } from '../../../helpers/archives.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

// backup-integrity with age-encrypted backups (issue 21): header and sidecar without an identity,
// the full content with one, and a warning when the identity sits on the backups' disk.

const NOW = new Date('2026-11-29T12:00:00Z');
const DATA = { 'dump.rdb': Buffer.alloc(2048, 7) };
const id = generateIdentity();

async function encryptedBackupDir(): Promise<{ dir: string; archive: string; keyFile: string; plainSha: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aco-bke-'));
  const plain = await makeArchive(join(dir, 'plain', 'x.tar.gz'), DATA, { sidecar: false });
  const archive = join(dir, 'falkordb_data_20261129_020000.tar.gz.age');
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([readFileSync(plain)]), createAgeEncryptor([parseRecipient(id.recipient)!]), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) chunks.push(c);
  });
  const sealed = Buffer.concat(chunks);
  writeFileSync(archive, sealed);
  writeFileSync(`${archive}.sha256`, `${createHash('sha256').update(sealed).digest('hex')}  x\n`);
  const plainSha = createHash('sha256').update(readFileSync(plain)).digest('hex');
  const keyFile = join(dir, 'key.txt');
  writeFileSync(keyFile, `${id.secret}\n`, { mode: 0o600 });
  return { dir, archive, keyFile, plainSha };
}

// A manifest as the tool writes it, sizes read from the archive itself.
const manifest = async (archive: string, plaintextSha256: string) => {
  const l = await readArchive(archive, undefined, { key: { identities: [parseIdentity(id.secret)!], source: 'test' } });
  return JSON.stringify({
    formatVersion: 1,
    kind: 'falkordb',
    createdAt: NOW.toISOString(),
    archive: { file: 'x', sha256: l.sha256, compressedBytes: l.compressedBytes, uncompressedBytes: l.tarBytes, entries: l.entries.length },
    encrypted: true,
    encryption: { recipients: [id.recipient], plaintextSha256, plaintextBytes: l.plaintext!.bytes },
  });
};

const ctx = (dir: string, env: Record<string, string> = {}) => fakeHealthContext({ env: { GRAPHITI_ENABLED: 'true', BACKUP_DIR: dir, ...env }, now: NOW });

describe('backup-integrity on encrypted backups', () => {
  it('without an identity: header and checksum only, said so', async () => {
    const { dir } = await encryptedBackupDir();
    expect(await backupIntegrityCheck.run(ctx(dir, { AUTOCODEX_OPS_AGE_RECIPIENTS: id.recipient }))).toMatchObject({ status: 'ok', message: expect.stringMatching(/encrypted \(age\): header valid, checksum matches; content not read/) });
  });
  it('without an identity: a damaged header fails in production', async () => {
    const { dir, archive } = await encryptedBackupDir();
    const bytes = readFileSync(archive);
    bytes[3] = 0x21;
    writeFileSync(archive, bytes);
    writeFileSync(`${archive}.sha256`, `${createHash('sha256').update(bytes).digest('hex')}  x\n`);
    expect(await backupIntegrityCheck.run(ctx(dir, { AUTO_CODEX_PRODUCTION: 'true' }))).toMatchObject({ status: 'fail', message: expect.stringMatching(/not a valid age file/) });
  });
  it('with an identity: decrypts and reads every entry; warns when the key shares the backups\' disk', async () => {
    const { dir, keyFile, archive, plainSha } = await encryptedBackupDir();
    writeFileSync(`${archive}.manifest.json`, await manifest(archive, plainSha));
    expect(await backupIntegrityCheck.run(ctx(dir, { AUTOCODEX_OPS_AGE_IDENTITY: keyFile }))).toMatchObject({ status: 'ok', message: expect.stringMatching(/verified \(decrypted\): checksum matches, \d+ entries read/) });
    const sameDisk = await backupIntegrityCheck.run(ctx(dir, { AUTOCODEX_OPS_AGE_IDENTITY: keyFile, AUTOCODEX_OPS_AGE_RECIPIENTS: id.recipient }));
    expect(sameDisk).toMatchObject({ status: 'warn', message: expect.stringMatching(/identity .* is on the same disk as the backups/), hint: expect.stringMatching(/off this machine/) });
    expect(JSON.stringify(sameDisk)).not.toContain(id.secret);
    writeFileSync(`${archive}.manifest.json`, await manifest(archive, '0'.repeat(64)));
    expect((await backupIntegrityCheck.run(ctx(dir, { AUTOCODEX_OPS_AGE_IDENTITY: keyFile }))).message).toMatch(/the decrypted tar.gz hashes to /);
  });
  it('a wrong identity or one readable by others fails; a plain newest backup warns when recipients are set', async () => {
    const { dir, keyFile } = await encryptedBackupDir();
    const other = join(dir, 'other.txt');
    writeFileSync(other, `${generateIdentity().secret}\n`, { mode: 0o600 });
    expect((await backupIntegrityCheck.run(ctx(dir, { AUTOCODEX_OPS_AGE_IDENTITY: other }))).message).toMatch(/No identity matches/);
    const open = join(dir, 'open.txt');
    writeFileSync(open, readFileSync(keyFile), { mode: 0o644 });
    expect((await backupIntegrityCheck.run(ctx(dir, { AUTOCODEX_OPS_AGE_IDENTITY: open }))).message).toMatch(/mode 0644/);
    const plainDir = mkdtempSync(join(tmpdir(), 'aco-bke-'));
    await makeArchive(join(plainDir, 'falkordb_data_20261129_020000.tar.gz'), DATA);
    expect(await backupIntegrityCheck.run(ctx(plainDir, { AUTOCODEX_OPS_AGE_RECIPIENTS: id.recipient }))).toMatchObject({ status: 'warn', message: expect.stringMatching(/not encrypted although age recipients are configured/) });
  });
});
