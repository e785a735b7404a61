import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import type { Exec } from '../exec/exec.js';
import { pyenvRoot, pyenvShimRoot } from '../exec/pyenv.js';
import { which } from '../exec/which.js';
import type { PythonVersion } from './versions.js';

/** A Python interpreter that can run pip's resolver for one version. */
export interface Interpreter {
  /** sys.executable: the real binary, never a pyenv shim, so later calls cannot pick another Python. */
  executable: string;
  /** The full version, e.g. `3.12.1`. */
  version: string;
  implementation: string;
  pipVersion: string;
}

/** What findInterpreter needs: the Exec port, the environment (PATH, PYENV_ROOT, HOME) and the abort signal. */
export interface InterpreterDeps {
  exec: Exec;
  env: Record<string, string>;
  home: string;
  cwd: string;
  signal?: AbortSignal;
}

/** The interpreter found, or every place looked at and why each was unusable. */
export type InterpreterSearch = { found: Interpreter } | { found?: undefined; tried: string[] };

/** pip 22.2 is the first with `install --dry-run --report`, which the pip backend resolves with. */
export const MIN_PIP = '22.2.0';

// Written for Python 2 as well: `python` on PATH may be 2.7, and the probe must still answer.
const PROBE = [
  'import json, platform, sys',
  'pip = None',
  'try:',
  '    import pip',
  '    pip = pip.__version__',
  'except Exception:',
  '    pass',
  'print(json.dumps({"version": platform.python_version(), "implementation": platform.python_implementation(), "executable": sys.executable, "pip": pip}))',
].join('\n');

/**
 * findInterpreter looks for a Python of `python.version` that has pip ≥ 22.2, in this order:
 * `python3.N`, `python3` and `python` on PATH, then pyenv's versions (`$PYENV_ROOT/versions/3.N.*`,
 * newest patch first). Each candidate is asked for its real version, so a `python3` of another
 * version is skipped. pyenv's shims on PATH are skipped too: each costs a second or more to start,
 * fails for any version not selected (`python3.12: command not found`), and the versions behind
 * them are looked at directly. It never throws for a missing Python: it returns what was tried.
 */
export async function findInterpreter(python: PythonVersion, deps: InterpreterDeps): Promise<InterpreterSearch> {
  const tried: string[] = [];
  const looked = await candidates(python, deps);
  // Probed side by side, judged in order: the first usable candidate wins.
  const probes = await Promise.all(
    looked.map((c) => (c.file === undefined ? undefined : deps.exec.run(c.file, ['-c', PROBE], { env: deps.env, cwd: deps.cwd, signal: deps.signal, timeoutMs: 20_000 }))),
  );
  for (const [i, candidate] of looked.entries()) {
    const result = probes[i];
    if (candidate.file === undefined || result === undefined) {
      tried.push(candidate.skipped ?? '');
      continue;
    }
    const file = candidate.file;
    const probe = result.notFound ? undefined : parseProbe(result.exitCode === 0 ? result.stdout : '');
    if (!probe) {
      tried.push(`${file}: does not run${result.notFound ? '' : ` (exit ${result.exitCode})`}`);
      continue;
    }
    if (probe.version.split('.').slice(0, 2).join('.') !== python.version) {
      tried.push(`${file}: is Python ${probe.version}`);
      continue;
    }
    if (!probe.pip) {
      tried.push(`${file}: Python ${probe.version} without pip (install it with \`${file} -m ensurepip\`)`);
      continue;
    }
    const pip = semver.coerce(probe.pip);
    if (!pip || semver.lt(pip, MIN_PIP)) {
      tried.push(`${file}: pip ${probe.pip} is older than ${MIN_PIP.replace(/\.0$/, '')} (upgrade it with \`${file} -m pip install -U pip\`)`);
      continue;
    }
    return { found: { executable: probe.executable || file, version: probe.version, implementation: probe.implementation, pipVersion: probe.pip } };
  }
  return { tried };
}

type Candidate = { file: string; skipped?: undefined } | { file?: undefined; skipped: string };

async function candidates(python: PythonVersion, deps: InterpreterDeps): Promise<Candidate[]> {
  const root = pyenvRoot(deps.env, deps.home);
  const list: Candidate[] = [];
  for (const name of [`python${python.version}`, 'python3', 'python']) {
    const found = await which(name, deps.env.PATH ?? '');
    if (found === undefined) list.push({ skipped: `${name}: not on PATH` });
    else if (pyenvShimRoot(found, deps) !== undefined) list.push({ skipped: `${found}: a pyenv shim (pyenv's versions are looked at directly)` });
    else if (!list.some((c) => c.file === found)) list.push({ file: found });
  }
  const entries = await readdir(join(root, 'versions')).catch(() => [] as string[]);
  // Plain CPython builds only (`3.12.1`); `3.12-dev` or `pypy3.10-7.3` are someone's experiments.
  const pattern = new RegExp(`^${python.version.replace('.', '\\.')}\\.\\d+$`);
  const pyenv = entries.filter((e) => pattern.test(e)).sort((a, b) => Number(b.split('.')[2]) - Number(a.split('.')[2]));
  if (pyenv.length === 0) list.push({ skipped: `${join(root, 'versions')}: no ${python.version}.x (pyenv)` });
  return [...list, ...pyenv.map((e) => ({ file: join(root, 'versions', e, 'bin', `python${python.version}`) }))];
}

function parseProbe(stdout: string): { version: string; implementation: string; executable: string; pip: string | null } | undefined {
  try {
    const value = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    if (typeof value.version !== 'string') return undefined;
    return {
      version: value.version,
      implementation: typeof value.implementation === 'string' ? value.implementation : 'Python',
      executable: typeof value.executable === 'string' ? value.executable : '',
      pip: typeof value.pip === 'string' ? value.pip : null,
    };
  } catch {
    return undefined;
  }
}
