import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OpsError } from '../../../../src/core/errors.js';
import { fileSystemError, parseTempName, tempPathFor, writeFileAtomic } from '../../../../src/core/fs/write-file-atomic.js';

const replaceFileAtomic = (path: string, text: string) => writeFileAtomic(path, text, { replace: true, mode: 0o644, mkdir: true });

describe('writeFileAtomic with replace (lock files, .env, audit head)', () => {
  it('replaces the content, keeps the old mode and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-ld-pub-'));
    const path = join(dir, 'requirements-py312.lock');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o640);
    await replaceFileAtomic(path, 'new\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['requirements-py312.lock']);
  });

  it('creates a missing folder and a new file readable by everyone (less the umask)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-ld-pub-'));
    const path = join(dir, 'tests', 'requirements-test-py312.lock');
    await replaceFileAtomic(path, 'x\n');
    expect(statSync(path).mode & 0o777).toBe(0o644 & ~process.umask());
  });

  it('on failure removes its temporary file and rejects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-ld-pub-'));
    const path = join(dir, 'requirements-py312.lock');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    await expect(replaceFileAtomic(path, 'new\n')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['requirements-py312.lock']);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
  });

  it('undo puts the replaced bytes and mode back, or removes a file it created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-wfa-'));
    const path = join(dir, '.env');
    writeFileSync(path, 'A=1\n');
    chmodSync(path, 0o640);
    const undo = await writeFileAtomic(path, 'A=2\n', { replace: true });
    expect(readFileSync(path, 'utf8')).toBe('A=2\n');
    await undo();
    expect(readFileSync(path, 'utf8')).toBe('A=1\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    const fresh = join(dir, 'new.json');
    const undoNew = await writeFileAtomic(fresh, '{}', { replace: true });
    await undoNew();
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it('forceMode gives exactly that mode, over an existing file\'s and whatever the umask (cron.d, node_exporter)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-wfa-'));
    const path = join(dir, 'autocodex.prom');
    writeFileSync(path, 'old');
    chmodSync(path, 0o600);
    const umask = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'new', { replace: true, mode: 0o644, forceMode: true });
      await writeFileAtomic(join(dir, 'fresh.prom'), 'x', { replace: true, mode: 0o644, forceMode: true });
    } finally {
      process.umask(umask);
    }
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(statSync(join(dir, 'fresh.prom')).mode & 0o777).toBe(0o644);
  });

  it('writes through a symlink to its target, leaving the link a link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-wfa-'));
    writeFileSync(join(dir, 'real.env'), 'old\n');
    symlinkSync('real.env', join(dir, '.env'));
    await writeFileAtomic(join(dir, '.env'), 'new\n', { replace: true });
    expect(lstatSync(join(dir, '.env')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real.env'), 'utf8')).toBe('new\n');
  });

  it('words a full disk, a permission problem and a read-only file system with the caller\'s hint', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['ENOSPC', 'EACCES', 'EROFS']) expect((fileSystemError(err(code), 'writing', '/r/x.lock', 'do this') as OpsError).hint).toBe('do this');
    expect((fileSystemError(err('EACCES'), 'writing', '/r/x.lock') as OpsError).hint).toMatch(/can write to \/r/);
  });

  it('a missing folder (without mkdir) rejects with the fs error and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-wfa-'));
    await expect(writeFileAtomic(join(dir, 'missing', 'x.lock'), 'y', { replace: true })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeFileAtomic without replace (archives, sidecars)', () => {
  it('creates a 0600 file and its undo removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-wfa-'));
    const path = join(dir, 'a.sha256');
    const undo = await writeFileAtomic(path, 'x');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await undo();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never overwrites an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-wfa-'));
    const path = join(dir, 'a.sha256');
    writeFileSync(path, 'kept');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(/already exists; it was left untouched/);
    expect(readFileSync(path, 'utf8')).toBe('kept');
    expect(readdirSync(dir)).toEqual(['a.sha256']);
  });
});

describe('temporary names', () => {
  it('parseTempName reads back what tempPathFor made, and nothing else', () => {
    const temp = tempPathFor('/b/falkordb-20260101-000000.tar.gz.sha256');
    expect(parseTempName(temp.slice(3))).toEqual({ finalName: 'falkordb-20260101-000000.tar.gz.sha256', pid: process.pid });
    expect(parseTempName('falkordb-20260101-000000.tar.gz')).toBeUndefined();
    expect(parseTempName('.x.tmp-12-zz')).toBeUndefined();
  });
});
