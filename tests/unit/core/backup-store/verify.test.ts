import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { verifyBackup } from '../../../../src/core/backup-store/verify.js';
import { makeArchive } from '../../../helpers/archives.js';

const DATA = { 'dump.rdb': Buffer.alloc(4096, 3), 'appendonlydir/appendonly.aof.1.base.rdb': 'x' };
const dir = () => mkdtempSync(join(tmpdir(), 'aco-ver-'));

describe('verifyBackup', () => {
  it('passes a sound archive of the original scripts (no manifest: warnings only)', async () => {
    const archive = await makeArchive(join(dir(), 'falkordb_data_20260101_020000.tar.gz'), DATA);
    const result = await verifyBackup(archive);
    expect(result).toMatchObject({ ok: true, problems: [], kind: 'falkordb', entries: 4 });
    expect(result.warnings).toEqual([expect.stringMatching(/^no falkordb_data_\d{8}_\d{6}\.tar\.gz\.manifest\.json \(archives of the original scripts have none\)$/)]);
  });

  it('reports a tar cut at an entry boundary (its end-of-archive marker missing), though gzip reads it whole', async () => {
    const d = dir();
    const whole = join(d, 'whole.tar');
    const src = join(d, 'src');
    mkdirSync(join(src, 'appendonlydir'), { recursive: true });
    writeFileSync(join(src, 'dump.rdb'), 'REDIS0011');
    await tar.c({ file: whole, cwd: src, portable: true }, ['.']);
    const bytes = readFileSync(whole);
    // Drop every trailing zero block: the tar now ends right after the last entry's data.
    let end = bytes.length;
    while (end >= 512 && bytes.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
    expect(end).toBeLessThan(bytes.length - 1023);
    const archive = join(d, 'falkordb_data_20260101_020000.tar.gz');
    const gz = gzipSync(bytes.subarray(0, end));
    writeFileSync(archive, gz);
    writeFileSync(`${archive}.sha256`, `${createHash('sha256').update(gz).digest('hex')}  falkordb_data_20260101_020000.tar.gz\n`);
    const result = await verifyBackup(archive);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^the archive does not read completely \(truncated or corrupt\): .*no end-of-archive marker/)]);
    // The same bytes with their marker pass.
    writeFileSync(archive, gzipSync(bytes));
    writeFileSync(`${archive}.sha256`, `${createHash('sha256').update(readFileSync(archive)).digest('hex')}  falkordb_data_20260101_020000.tar.gz\n`);
    expect((await verifyBackup(archive)).problems).toEqual([]);
  });

  it('reports a missing archive, a checksum mismatch, a truncation and a missing sidecar', async () => {
    expect(await verifyBackup(join(dir(), 'nope.tar.gz'))).toMatchObject({ ok: false, problems: ['archive not found'] });
    const archive = await makeArchive(join(dir(), 'falkordb_data_20260101_020000.tar.gz'), DATA);
    writeFileSync(`${archive}.sha256`, `${'0'.repeat(64)}  x\n`);
    expect((await verifyBackup(archive)).problems).toEqual([expect.stringMatching(/^checksum mismatch: falkordb_data_\d{8}_\d{6}\.tar\.gz\.sha256 says 0000/)]);
    const cut = await makeArchive(join(dir(), 'falkordb_data_20260101_020000.tar.gz'), { 'dump.rdb': Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)) }, { sidecar: false });
    truncateSync(cut, readFileSync(cut).length - 100);
    const truncated = await verifyBackup(cut);
    expect(truncated.ok).toBe(false);
    expect(truncated.problems[0]).toMatch(/does not read completely/);
    expect(truncated.warnings).toContainEqual(expect.stringMatching(/^no checksum file .*\.sha256: .*\(archives of the original scripts have none\)$/));
  });

  it('flags a FalkorDB archive without dump.rdb or appendonlydir with the /data mount-trap hint', async () => {
    const archive = await makeArchive(join(dir(), 'falkordb_data_20260101_020000.tar.gz'), { 'data': 'only the symlink was here' });
    const result = await verifyBackup(archive);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(/no dump.rdb or appendonlydir.*\/var\/lib\/falkordb\/data/);
  });

  it('checks the manifest against the file', async () => {
    const archive = await makeArchive(join(dir(), 'userdata_20260101_020000.tar.gz'), { 'settings.json': '{}' });
    const bytes = readFileSync(archive).length;
    const good = { formatVersion: 1, kind: 'userdata', createdAt: '2026-01-01T02:00:00.000Z', archive: { file: 'x', sha256: readFileSync(`${archive}.sha256`, 'utf8').slice(0, 64), compressedBytes: bytes, uncompressedBytes: 0, entries: 2 } };
    writeFileSync(`${archive}.manifest.json`, JSON.stringify(good));
    const result = await verifyBackup(archive);
    expect(result.problems).toEqual([expect.stringMatching(/^the manifest says 0 uncompressed bytes, the archive holds \d+$/)]);
    writeFileSync(`${archive}.manifest.json`, JSON.stringify({ ...good, formatVersion: 9 }));
    expect((await verifyBackup(archive)).problems).toEqual([expect.stringMatching(/manifest userdata_\d{8}_\d{6}\.tar\.gz\.manifest\.json is invalid \(format version 9 is newer/)]);
    writeFileSync(`${archive}.manifest.json`, '{');
    expect((await verifyBackup(archive)).problems).toEqual([expect.stringMatching(/^the manifest .*\.manifest\.json is invalid \(not JSON\)$/)]);
  });
});
