import { chmodSync, chownSync, existsSync, mkdirSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileEnvStore } from '../../../../src/core/rollback/env-store.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'aco-envstore-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('fileEnvStore', () => {
  it('replaces the file atomically, keeps its mode, and the undo puts the old bytes back', async () => {
    const d = dir();
    const path = join(d, '.env');
    writeFileSync(path, 'A=1\nFALKORDB_IMAGE_TAG=v1');
    chmodSync(path, 0o640);
    const store = fileEnvStore(path);
    const undo = await store.replace(Buffer.from('A=1\nFALKORDB_IMAGE_TAG=v2'));
    expect(readFileSync(path, 'utf8')).toBe('A=1\nFALKORDB_IMAGE_TAG=v2');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    await undo();
    expect(readFileSync(path, 'utf8')).toBe('A=1\nFALKORDB_IMAGE_TAG=v1');
    expect(readdirSync(d)).toEqual(['.env']);
  });

  it('creates a missing .env with mode 0600, and its undo removes it', async () => {
    const path = join(dir(), '.env');
    const store = fileEnvStore(path);
    expect(await store.read()).toBeUndefined();
    const undo = await store.replace(Buffer.from('FALKORDB_IMAGE_TAG=v2\n'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await undo();
    expect(existsSync(path)).toBe(false);
  });

  it('writes through a symlinked .env, leaving the link in place', async () => {
    const d = dir();
    writeFileSync(join(d, 'shared.env'), 'FALKORDB_IMAGE_TAG=v1\n');
    symlinkSync('shared.env', join(d, '.env'));
    await fileEnvStore(join(d, '.env')).replace(Buffer.from('FALKORDB_IMAGE_TAG=v2\n'));
    expect(lstatSync(join(d, '.env')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'shared.env'), 'utf8')).toBe('FALKORDB_IMAGE_TAG=v2\n');
  });

  it.runIf(process.geteuid?.() === 0)("as root: a .env in a folder another user owns, or linked into one, is refused and left as it was", async () => {
    const d = dir();
    chmodSync(d, 0o755);
    const users = join(d, 'users');
    mkdirSync(users);
    chownSync(users, 65534, 65534);
    writeFileSync(join(users, '.env'), 'FALKORDB_IMAGE_TAG=v1\n');
    await expect(fileEnvStore(join(users, '.env')).replace(Buffer.from('FALKORDB_IMAGE_TAG=v2\n'))).rejects.toThrow(`Refusing to write as root into the folder of the root .env ${users}`);
    const roots = join(d, 'roots');
    mkdirSync(roots);
    symlinkSync(join(users, '.env'), join(roots, '.env'));
    await expect(fileEnvStore(join(roots, '.env')).replace(Buffer.from('FALKORDB_IMAGE_TAG=v2\n'))).rejects.toThrow(`(the root .env links there) ${users}`);
    expect(readFileSync(join(users, '.env'), 'utf8')).toBe('FALKORDB_IMAGE_TAG=v1\n');
  });
});
