import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../../../src/core/archive/read-archive.js';
import { writeArchive } from '../../../../src/core/archive/write-archive.js';
import { generateIdentity, parseIdentity, parseRecipient } from '../../../../src/core/crypto/age-keys.js';
import { InterruptedError } from '../../../../src/core/errors.js';

// writeArchive with `encryption` (issue 21): the read-back decrypts with the file key the writer
// holds, the sidecars describe the encrypted file, and an abort leaves nothing behind.

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'aco-wae-')), 'backups');
const alice = generateIdentity();
const bob = generateIdentity();
const encryption = { recipients: [parseRecipient(alice.recipient)!] };

function tarOf(files: Record<string, string | Buffer>): Readable {
  const src = mkdtempSync(join(tmpdir(), 'aco-wae-src-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), content);
  }
  return Readable.from(tar.c({ cwd: src }, ['.']) as unknown as AsyncIterable<Buffer>);
}

describe('writeArchive with age encryption', () => {
  it('writes an age file, verified through the file key, whose plaintext digest the result records', async () => {
    const path = join(freshDir(), 'userdata_20260101_000000.tar.gz.age');
    const written = await writeArchive({ path, encryption, source: tarOf({ 'settings.json': '{}', 'big.bin': randomBytes(400_000) }), sidecars: (w) => ({ '.sha256': `${w.sha256}  x\n` }) });
    expect(readFileSync(path).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(written.encryption).toMatchObject({ format: 'age-v1', recipients: [alice.recipient], plaintextSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(written.listing.plaintext?.sha256).toBe(written.encryption!.plaintextSha256);
    expect(written.listing.entries.map((e) => e.path)).toContain('./settings.json');
    const again = await readArchive(path, undefined, { key: { identities: [parseIdentity(alice.secret)!], source: 'test' } });
    expect(again).toMatchObject({ sha256: written.sha256, plaintext: { sha256: written.encryption!.plaintextSha256 } });
    await expect(readArchive(path, undefined, { key: { identities: [parseIdentity(bob.secret)!], source: 'test' } })).rejects.toMatchObject({ exitCode: 2 });
    await expect(readArchive(path)).rejects.toMatchObject({ exitCode: 10 });
  });

  it('leaves no file and no temporary when aborted mid-encryption', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const source = Readable.from(
      (async function* () {
        for (let i = 0; i < 40; i += 1) yield randomBytes(64 * 1024);
        await hold;
      })(),
    );
    const run = writeArchive({ path: join(dir, 'userdata_20260101_000000.tar.gz.age'), encryption, source, signal: controller.signal, onProgress: (n) => n > 1024 * 1024 && controller.abort() });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
