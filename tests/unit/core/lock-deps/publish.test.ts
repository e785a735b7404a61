import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceFileAtomic } from '../../../../src/core/lock-deps/publish.js';

describe('replaceFileAtomic', () => {
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
});
