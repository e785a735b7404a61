import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isExecutableFile } from './which.js';

// pyenv's selection rules (libexec/pyenv-version-name, -version-file, -version-file-read, -which)
// as far as they are plain file lookups; whatever needs more (`system`, prefixes such as `3.12`
// that pyenv-latest resolves) is left to pyenv by running the shim.

/** Where pyenv reads its selection from: PYENV_ROOT, PYENV_VERSION and PYENV_DIR, the home and the working folder. */
export interface PyenvDeps {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd: string;
}

/** pyenvRoot is $PYENV_ROOT, else ~/.pyenv (pyenv's default install). */
export function pyenvRoot(env: PyenvDeps['env'], home: string): string {
  return env.PYENV_ROOT || join(home, '.pyenv');
}

/** pyenvShimRoot returns the pyenv root whose shims folder holds `file` ($PYENV_ROOT or ~/.pyenv), or undefined when it is no pyenv shim. */
export function pyenvShimRoot(file: string, deps: Pick<PyenvDeps, 'env' | 'home'>): string | undefined {
  const dir = dirname(resolve(file));
  return [pyenvRoot(deps.env, deps.home), join(deps.home, '.pyenv')].map((r) => resolve(r)).find((root) => join(root, 'shims') === dir);
}

/**
 * pyenvVersionNames returns pyenv's selection in order: PYENV_VERSION (`:`-separated), else the
 * nearest `.python-version` from PYENV_DIR, then the working folder, upwards, else `<root>/version`.
 * An empty list means nothing is selected (pyenv's `system`).
 */
export async function pyenvVersionNames(root: string, deps: PyenvDeps): Promise<string[]> {
  if (deps.env.PYENV_VERSION) return deps.env.PYENV_VERSION.split(':').filter(Boolean);
  const text = await readFile(await versionFile(root, deps), 'utf8').catch(() => '');
  // The first word of each line; blank lines and `#` comments are skipped (pyenv-version-file-read).
  return text.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((word) => word !== '' && !word.startsWith('#'));
}

async function versionFile(root: string, deps: PyenvDeps): Promise<string> {
  for (const start of new Set([resolve(deps.cwd, deps.env.PYENV_DIR || '.'), resolve(deps.cwd)])) {
    for (let dir = start; ; dir = dirname(dir)) {
      const file = join(dir, '.python-version');
      if (await stat(file).then((s) => s.isFile(), () => false)) return file;
      if (dirname(dir) === dir) break;
    }
  }
  return join(root, 'version');
}

const isDir = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);

/**
 * resolvePyenvShim returns the program a pyenv shim would start, found without starting pyenv (a
 * bash script costing 0.3 s or more): the command in the first selected version that has it. It
 * returns undefined whenever only pyenv can tell (`system`, a version not installed under that
 * name, no selected version having the command): the caller then runs the shim.
 */
export async function resolvePyenvShim(shim: string, deps: PyenvDeps): Promise<string | undefined> {
  const root = pyenvShimRoot(shim, deps);
  if (root === undefined) return undefined;
  for (const name of await pyenvVersionNames(root, deps)) {
    // pyenv refuses names that leave versions/ (CVE-2022-35861); it is not worth following them here.
    if (name === 'system' || name.includes('/') || name === '.' || name === '..') return undefined;
    const plain = name.replace(/^python-/, '');
    const installed = (await isDir(join(root, 'versions', name))) ? name : (await isDir(join(root, 'versions', plain))) ? plain : undefined;
    if (installed === undefined) return undefined;
    const file = join(root, 'versions', installed, 'bin', basename(shim));
    if (await isExecutableFile(file)) return file;
  }
  return undefined;
}
