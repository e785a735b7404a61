import { describe, expect, it } from 'vitest';
import { discoverRoot } from '../../../../src/core/config/root.js';

const fsWith = (paths: string[]) => (p: string) => paths.includes(p);

describe('discoverRoot', () => {
  it('prefers --root, then AUTO_CODEX_ROOT', () => {
    expect(discoverRoot({ flag: 'x', env: { AUTO_CODEX_ROOT: '/e' }, cwd: '/w', exists: fsWith([]) })).toEqual({ root: '/w/x', origin: 'flag' });
    expect(discoverRoot({ env: { AUTO_CODEX_ROOT: '/e' }, cwd: '/w', exists: fsWith([]) })).toEqual({ root: '/e', origin: 'env' });
  });
  it('finds the nearest folder above cwd with auto-codex/ or docker-compose.yml', () => {
    const exists = fsWith(['/a/auto-codex', '/a/b/docker-compose.yml']);
    expect(discoverRoot({ env: {}, cwd: '/a/b/c', exists })).toEqual({ root: '/a/b', origin: 'discovered' });
    expect(discoverRoot({ env: {}, cwd: '/a/x', exists })).toEqual({ root: '/a', origin: 'discovered' });
  });
  it('falls back to cwd', () => {
    expect(discoverRoot({ env: {}, cwd: '/none/here', exists: fsWith([]) })).toEqual({ root: '/none/here', origin: 'cwd' });
  });
});
