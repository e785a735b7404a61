import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import { checkRestoreArchive } from '../../../../src/core/backup-store/check-archive.js';
import { makeArchive } from '../../../helpers/archives.js';
import { FALKOR_BASE, writeRawArchive } from '../../../fixtures/restore/raw-tar.js';

const dir = () => mkdtempSync(join(tmpdir(), 'aco-check-'));
const falkor = { family: 'falkordb' as const, force: false };

async function refusal(path: string, options: Parameters<typeof checkRestoreArchive>[1] = falkor): Promise<UsageError> {
  const error = await checkRestoreArchive(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).exitCode).toBe(2);
  return error as UsageError;
}

describe('checkRestoreArchive', () => {
  it('passes a good FalkorDB archive with its sidecar and returns the listing and digest', async () => {
    const path = await makeArchive(join(dir(), 'falkordb_data_20250101_000000.tar.gz'), { 'dump.rdb': 'x'.repeat(5000), 'appendonlydir/a.aof': 'SET a 1' });
    const checked = await checkRestoreArchive(path, falkor);
    expect(checked).toMatchObject({ path, sidecar: 'match', kind: 'falkordb', warnings: [], sha256: readFileSync(`${path}.sha256`, 'utf8').split(' ')[0] });
    expect(checked.listing.entries.map((e) => e.path)).toContain('./dump.rdb');
  });

  it('a missing sidecar is a warning, not a refusal', async () => {
    const path = await makeArchive(join(dir(), 'old.tar.gz'), { 'dump.rdb': 'x' }, { sidecar: false });
    const checked = await checkRestoreArchive(path, falkor);
    expect(checked.sidecar).toBe('missing');
    expect(checked.warnings).toEqual([expect.stringContaining('no checksum file old.tar.gz.sha256')]);
  });

  it('refuses a missing file, a folder, a checksum mismatch and an invalid sidecar with exit 2', async () => {
    const d = dir();
    expect((await refusal(join(d, 'nope.tar.gz'))).message).toBe(`Backup file not found: ${join(d, 'nope.tar.gz')}`);
    expect((await refusal(d)).message).toBe(`Not a regular file: ${d}`);
    const path = await makeArchive(join(d, 'a.tar.gz'), { 'dump.rdb': 'x' });
    writeFileSync(`${path}.sha256`, `${'0'.repeat(64)}  a.tar.gz\n`);
    expect((await refusal(path)).message).toMatch(/checksum mismatch: a\.tar\.gz\.sha256 says 0{64}, the file hashes to [0-9a-f]{64}/);
    writeFileSync(`${path}.sha256`, '\n');
    expect((await refusal(path)).message).toContain('the checksum file a.tar.gz.sha256 is invalid (empty)');
  });

  it('refuses a truncated and a corrupted archive, naming the checksum mismatch too', async () => {
    const d = dir();
    const path = await makeArchive(join(d, 'a.tar.gz'), { 'dump.rdb': Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7919) % 251)) }, { sidecar: false });
    const data = readFileSync(path);
    writeFileSync(join(d, 'cut.tar.gz'), data.subarray(0, Math.floor(data.length / 2)));
    expect((await refusal(join(d, 'cut.tar.gz'))).message).toContain('does not read completely (truncated or corrupt)');
    const flipped = Buffer.from(data);
    for (let i = 0; i < 16; i += 1) flipped[Math.floor(flipped.length / 2) + i]! ^= 0xff;
    writeFileSync(join(d, 'flip.tar.gz'), flipped);
    writeFileSync(join(d, 'flip.tar.gz.sha256'), `${'a'.repeat(64)}  flip.tar.gz\n`);
    const message = (await refusal(join(d, 'flip.tar.gz'))).message;
    expect(message).toContain('does not read completely');
    expect(message).toContain('checksum mismatch');
  });

  it('refuses every unsafe entry at once: ../, absolute path, symlink and hard link out, device, FIFO', async () => {
    const path = writeRawArchive(join(dir(), 'evil.tar.gz'), [
      ...FALKOR_BASE,
      { path: '../escape', body: 'x' },
      { path: '/etc/cron.d/evil', body: 'x' },
      { path: './out', type: 'SymbolicLink', linkpath: '/etc' },
      { path: './up', type: 'SymbolicLink', linkpath: '../../../root' },
      { path: './hl', type: 'Link', linkpath: '../../etc/shadow' },
      { path: './null', type: 'CharacterDevice' },
      { path: './fifo', type: 'FIFO' },
    ]);
    const message = (await refusal(path)).message;
    expect(message.split('\n').slice(1)).toEqual([
      '  - "../escape": contains ".."',
      '  - "/etc/cron.d/evil": absolute path',
      '  - "./out": symlink points to the absolute path /etc',
      '  - "./up": symlink points outside the target (../../../root)',
      '  - "./hl": hard link to "../../etc/shadow" (contains "..")',
      '  - "./null": device file (CharacterDevice) is not allowed in a restore',
      '  - "./fifo": named pipe (FIFO) is not allowed in a restore',
    ]);
  });

  it('refuses an archive without FalkorDB data unless --force, which warns', async () => {
    const path = await makeArchive(join(dir(), 'x.tar.gz'), { 'notes.txt': 'hello' });
    expect((await refusal(path)).message).toContain('neither dump.rdb nor appendonlydir');
    const forced = await checkRestoreArchive(path, { family: 'falkordb', force: true });
    expect(forced.warnings).toEqual([expect.stringContaining('restoring it anyway (--force)')]);
  });

  it('refuses a manifest that does not match the archive', async () => {
    const path = await makeArchive(join(dir(), 'falkordb_data_20250101_000000.tar.gz'), { 'dump.rdb': 'x' });
    const sha = readFileSync(`${path}.sha256`, 'utf8').split(' ')[0];
    writeFileSync(`${path}.manifest.json`, JSON.stringify({ formatVersion: 1, kind: 'falkordb', createdAt: '2025-01-01T00:00:00Z', archive: { file: 'x', sha256: sha, compressedBytes: 1, uncompressedBytes: 2, entries: 99 } }));
    const message = (await refusal(path)).message;
    expect(message).toContain('size mismatch: the manifest says 1 bytes');
    expect(message).toContain('the manifest lists 99 entries');
  });

  it('userData: refuses a FalkorDB archive and an empty one; skipped entries are not checked', async () => {
    const d = dir();
    const falkorName = await makeArchive(join(d, 'falkordb_data_20250101_000000.tar.gz'), { 'dump.rdb': 'x' });
    expect((await refusal(falkorName, { family: 'userdata', force: false })).message).toContain('is a falkordb backup, not a userData one');
    const empty = writeRawArchive(join(d, 'empty.tar.gz'), [{ path: './', type: 'Directory' }]);
    expect((await refusal(empty, { family: 'userdata', force: false })).message).toContain('the archive is empty');
    const withLock = writeRawArchive(join(d, 'userdata_20250101_000000.tar.gz'), [
      { path: './', type: 'Directory' },
      { path: './SingletonSocket', type: 'SymbolicLink', linkpath: '/tmp/.org.chromium.Chromium.x/SingletonSocket' },
      { path: './settings.json', body: '{}' },
    ]);
    const checked = await checkRestoreArchive(withLock, { family: 'userdata', force: false, skip: new Set(['./SingletonSocket']) });
    expect(checked.kind).toBe('userdata');
  });
});
