import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pyenvShimRoot, resolvePyenvShim } from '../../../../src/core/exec/pyenv.js';

/** A pyenv root with a python3 shim and `versions/<v>/bin/<cmd>` for each listed command. */
function makeRoot(versions: Record<string, string[]>, global?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'aco-pyenv-'));
  mkdirSync(join(root, 'shims'));
  writeFileSync(join(root, 'shims', 'python3'), '#!/usr/bin/env bash\n', { mode: 0o755 });
  for (const [v, cmds] of Object.entries(versions)) {
    mkdirSync(join(root, 'versions', v, 'bin'), { recursive: true });
    for (const cmd of cmds) writeFileSync(join(root, 'versions', v, 'bin', cmd), '', { mode: 0o755 });
  }
  if (global !== undefined) writeFileSync(join(root, 'version'), global);
  return root;
}

/** A project folder `a/b/c` whose `.python-version` files are given by relative folder. */
function makeProject(files: Record<string, string>): { top: string; cwd: string } {
  const top = mkdtempSync(join(tmpdir(), 'aco-proj-'));
  const cwd = join(top, 'a', 'b', 'c');
  mkdirSync(cwd, { recursive: true });
  for (const [dir, text] of Object.entries(files)) writeFileSync(join(top, dir, '.python-version'), text);
  return { top, cwd };
}

const installed = { '3.11.7': ['python3'], '3.12.1': ['python3'], '2.7.18': ['python2'] };

describe('resolvePyenvShim', () => {
  it.each([
    // [case, global file, .python-version files, env, expected version (undefined: run the shim)]
    ['PYENV_VERSION wins over every file', '3.11.7', { a: '3.11.7' }, { PYENV_VERSION: '3.12.1' }, '3.12.1'],
    ['the nearest .python-version upwards', '3.11.7', { a: '3.11.7\n', 'a/b': '# pinned\n\n3.12.1 extra words\n' }, {}, '3.12.1'],
    ['a .python-version above the working folder', '3.11.7', { a: '3.12.1\r\n' }, {}, '3.12.1'],
    ['PYENV_DIR is looked at before the working folder', '', { a: '3.11.7', 'a/b/c': '3.12.1' }, { PYENV_DIR: '../..' }, '3.11.7'],
    ['the working folder when PYENV_DIR has no .python-version', '', { 'a/b/c': '3.12.1' }, { PYENV_DIR: '/' }, '3.12.1'],
    ['the global version file', '3.12.1\n', {}, {}, '3.12.1'],
    ['the first of several versions that has python3', '', { 'a/b/c': '2.7.18\n3.11.7\n' }, {}, '3.11.7'],
    ['the first of a :-separated PYENV_VERSION that has python3', '', {}, { PYENV_VERSION: '2.7.18:3.12.1' }, '3.12.1'],
    ["pyenv's python- prefix", '', {}, { PYENV_VERSION: 'python-3.12.1' }, '3.12.1'],
    ['system', 'system', {}, {}, undefined],
    ['system before a named version', '', {}, { PYENV_VERSION: 'system:3.12.1' }, undefined],
    ['no selection at all', undefined, {}, {}, undefined],
    ['an empty nearest .python-version (pyenv: system)', '3.12.1', { 'a/b': '\n# nothing\n' }, {}, undefined],
    ['a version not installed (pyenv may resolve it as a prefix)', '3.12', {}, {}, undefined],
    ['a missing version before an installed one', '', {}, { PYENV_VERSION: '3.9.9:3.12.1' }, undefined],
    ['no selected version has python3 (pyenv falls back to system)', '2.7.18', {}, {}, undefined],
    ['a name leaving versions/', '../../usr', {}, {}, undefined],
  ] as const)('%s', async (_case, global, files, env, expected) => {
    const root = makeRoot(installed, global);
    const { cwd } = makeProject(files);
    const found = await resolvePyenvShim(join(root, 'shims', 'python3'), { env: { PYENV_ROOT: root, ...env }, home: '/nonexistent', cwd });
    expect(found).toBe(expected === undefined ? undefined : join(root, 'versions', expected, 'bin', 'python3'));
  });

  it('finds the root of ~/.pyenv/shims when PYENV_ROOT points elsewhere, and ignores other folders', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aco-home-'));
    const root = makeRoot(installed, '3.12.1');
    const inHome = join(home, '.pyenv');
    mkdirSync(inHome);
    expect(pyenvShimRoot(join(inHome, 'shims', 'python3'), { env: { PYENV_ROOT: root }, home })).toBe(inHome);
    expect(pyenvShimRoot(join(root, 'shims', 'python3'), { env: { PYENV_ROOT: root }, home })).toBe(root);
    expect(pyenvShimRoot('/usr/bin/python3', { env: { PYENV_ROOT: root }, home })).toBeUndefined();
    expect(await resolvePyenvShim('/usr/bin/python3', { env: { PYENV_ROOT: root }, home, cwd: '/' })).toBeUndefined();
  });
});
