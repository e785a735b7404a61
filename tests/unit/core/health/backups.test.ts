import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDiskCheck, backupFreshnessCheck, backupIntegrityCheck, userdataBackupFreshnessCheck } from '../../../../src/core/health/checks/backups.js';
import { makeArchive } from '../../../helpers/archives.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86400_000);
const DATA = { 'dump.rdb': Buffer.alloc(2048, 7), 'appendonlydir/appendonly.aof.1.base.rdb': 'x' };

async function dirWith(age: number, files: Record<string, string | Buffer> = DATA, sidecar = true): Promise<{ dir: string; archive: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aco-bk-'));
  const archive = await makeArchive(join(dir, 'falkordb_data_20261120_020000.tar.gz'), files, { sidecar, mtime: daysAgo(age) });
  return { dir, archive };
}

const ctx = (dir: string, env: Record<string, string> = {}, extra = {}) =>
  fakeHealthContext({ env: { GRAPHITI_ENABLED: 'true', BACKUP_DIR: dir, ...env }, now: NOW, ...extra });

describe('backup-freshness', () => {
  it('measures age in hours: 7.9 days is older than 7 (the original floored it)', async () => {
    const { dir } = await dirWith(7.9);
    const result = await backupFreshnessCheck.run(ctx(dir));
    expect(result).toMatchObject({ status: 'warn', message: expect.stringMatching(/is 7\.9 days \(189\.6 h, from the file time\) old \(max allowed: 7 days\)/) });
    expect((await backupFreshnessCheck.run(ctx(dir, { AUTO_CODEX_ENFORCE_BACKUPS: 'true' }))).status).toBe('fail');
  });
  it('passes a fresh backup and prefers the manifest time', async () => {
    const { dir, archive } = await dirWith(30);
    writeFileSync(`${archive}.manifest.json`, JSON.stringify({ createdAt: daysAgo(1).toISOString() }));
    expect(await backupFreshnessCheck.run(ctx(dir))).toMatchObject({ status: 'ok', message: expect.stringMatching(/1\.0 days .*manifest/) });
  });
  it('handles no backups, a missing folder and a disabled check', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'aco-bk-'));
    expect(await backupFreshnessCheck.run(ctx(empty))).toMatchObject({ status: 'warn', message: `No FalkorDB backups found in ${empty}` });
    expect((await backupFreshnessCheck.run(ctx(join(empty, 'nope'), { AUTO_CODEX_PRODUCTION: 'true' }))).status).toBe('fail');
    expect((await backupFreshnessCheck.run(ctx(empty, { AUTO_CODEX_BACKUP_MAX_AGE_DAYS: '0' }))).message).toMatch(/disabled/);
  });
  it('ignores pre-restore copies and other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-bk-'));
    await makeArchive(join(dir, 'falkordb_pre_restore_20261129_110000.tar.gz'), DATA, { mtime: daysAgo(0.1) });
    writeFileSync(join(dir, 'falkordb_data_latest.tar.gz'), 'x');
    expect((await backupFreshnessCheck.run(ctx(dir))).message).toMatch(/No FalkorDB backups/);
  });
});

describe('backup-integrity', () => {
  it('verifies checksum and every entry', async () => {
    const { dir } = await dirWith(1);
    expect(await backupIntegrityCheck.run(ctx(dir))).toMatchObject({ status: 'ok', message: expect.stringMatching(/checksum matches, \d+ entries read/) });
  });
  it('fails a checksum mismatch, a corrupt archive, an invalid sidecar', async () => {
    const { dir, archive } = await dirWith(1);
    const bytes = readFileSync(archive);
    bytes[bytes.length - 12]! ^= 0xff;
    writeFileSync(archive, bytes);
    expect(await backupIntegrityCheck.run(ctx(dir, { AUTO_CODEX_PRODUCTION: 'true' }))).toMatchObject({ status: 'fail', message: expect.stringMatching(/checksum mismatch/) });
    writeFileSync(`${archive}.sha256`, '');
    expect((await backupIntegrityCheck.run(ctx(dir))).message).toMatch(/fails verification: .*the checksum file .*\.sha256 is invalid \(empty\)/);
    const { dir: d2, archive: a2 } = await dirWith(1, DATA, false);
    const whole = readFileSync(a2);
    writeFileSync(a2, whole.subarray(0, Math.floor(whole.length / 2)));
    expect(await backupIntegrityCheck.run(ctx(d2))).toMatchObject({ status: 'warn', message: expect.stringMatching(/fails verification: the archive does not read completely/) });
  });
  it('flags an archive that holds no FalkorDB data (the /data trap)', async () => {
    const { dir } = await dirWith(1, { 'data/.keep': '' });
    expect(await backupIntegrityCheck.run(ctx(dir))).toMatchObject({ status: 'warn', message: expect.stringMatching(/no dump\.rdb or appendonlydir/) });
  });
  it('accepts an old archive without sidecar only as a warning, a failure when enforced', async () => {
    const { dir } = await dirWith(1, DATA, false);
    expect((await backupIntegrityCheck.run(ctx(dir))).status).toBe('warn');
    expect((await backupIntegrityCheck.run(ctx(dir, { AUTO_CODEX_ENFORCE_BACKUPS: 'yes' }))).status).toBe('fail');
  });
});

describe('backup-disk', () => {
  it('compares free space with the next backup (the newest one), with sizes', async () => {
    const { dir, archive } = await dirWith(1);
    const size = readFileSync(archive).length;
    expect(await backupDiskCheck.run(ctx(dir, {}, { freeBytes: size * 3, volumeSize: 4096 }))).toMatchObject({ status: 'ok', message: expect.stringMatching(/volume auto-codex_falkordb_data 4\.0 KiB; next backup about/) });
    expect(await backupDiskCheck.run(ctx(dir, {}, { freeBytes: size + 1 }))).toMatchObject({ status: 'warn', message: expect.stringMatching(/Low disk space.*volume auto-codex_falkordb_data size unknown/) });
    expect(await backupDiskCheck.run(ctx(dir, {}, { freeBytes: size - 1 }))).toMatchObject({ status: 'warn', message: expect.stringMatching(/Not enough disk space/) });
    expect(await backupDiskCheck.run(ctx(dir, { AUTO_CODEX_PRODUCTION: 'true' }, { freeBytes: size - 1 }))).toMatchObject({ status: 'fail' });
  });
  it('without a backup, sizes the next one by the measured volume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-bk-'));
    expect(await backupDiskCheck.run(ctx(dir, {}, { freeBytes: 1000, volumeSize: 800 }))).toMatchObject({ status: 'warn', message: expect.stringMatching(/no backup yet; the volume holds 800 B/) });
    expect(await backupDiskCheck.run(ctx(dir, {}, { freeBytes: 10_000, volumeSize: 800 }))).toMatchObject({ status: 'ok' });
    expect(await backupDiskCheck.run(ctx(dir, {}, { freeBytes: 10_000 }))).toMatchObject({ status: 'skip' });
  });
});

describe('userdata-backup-freshness', () => {
  const udDir = async (age: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-ud-'));
    await makeArchive(join(dir, 'userdata_20261120_020000.tar.gz'), { 'settings.json': '{}' }, { sidecar: true, mtime: daysAgo(age) });
    return dir;
  };
  it('applies the same age rule when a userData backup exists', async () => {
    expect(await userdataBackupFreshnessCheck.run(ctx(await udDir(1)))).toMatchObject({ status: 'ok', message: expect.stringMatching(/Latest userData backup age: 1\.0 days/) });
    expect(await userdataBackupFreshnessCheck.run(ctx(await udDir(8)))).toMatchObject({ status: 'warn', message: expect.stringMatching(/userData backup is 8\.0 days/) });
    expect((await userdataBackupFreshnessCheck.run(ctx(await udDir(8), { AUTO_CODEX_ENFORCE_BACKUPS: 'true' }))).status).toBe('fail');
  });
  it('is skipped without one, unless backups are enforced', async () => {
    const { dir } = await dirWith(1);
    expect((await userdataBackupFreshnessCheck.run(ctx(dir))).status).toBe('skip');
    expect(await userdataBackupFreshnessCheck.run(ctx(dir, { AUTO_CODEX_PRODUCTION: 'true' }))).toMatchObject({ status: 'fail', message: expect.stringMatching(/No userData backups found/) });
  });
});
