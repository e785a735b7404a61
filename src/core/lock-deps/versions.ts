import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/** A Python minor version to lock for: `3.12` and its lock-file suffix `312`. */
export interface PythonVersion {
  version: string;
  nodot: string;
  minor: number;
}

/** One lock file to produce: which input it resolves, for which Python, into which lock (root-relative, `/`). */
export interface LockJob {
  python: PythonVersion;
  input: string;
  lock: string;
}

/** The versions the original script locked when given none (original-scripts.md §5); CI runs on both. */
export const DEFAULT_PYTHON_VERSIONS = ['3.12', '3.13'] as const;

// Python 3.8 is the oldest version current uv and pip still resolve for; older ones are long
// end-of-life and Auto-Codex never ran on them.
const MIN_MINOR = 8;

/**
 * parsePythonVersions validates the positional versions (`3.12`, `3.13`) and removes duplicates,
 * keeping the order given; no argument means DEFAULT_PYTHON_VERSIONS. It throws UsageError (exit 2)
 * naming every invalid value: not `3.N`, a patch version (locks are per minor), or older than 3.8.
 */
export function parsePythonVersions(raw: readonly string[]): PythonVersion[] {
  const given = raw.length > 0 ? raw : DEFAULT_PYTHON_VERSIONS;
  const problems: string[] = [];
  const seen = new Map<string, PythonVersion>();
  for (const value of given) {
    const problem = versionProblem(value);
    if (problem) {
      problems.push(`'${value}': ${problem}`);
      continue;
    }
    const minor = Number(value.split('.')[1]);
    const version = `3.${minor}`;
    if (!seen.has(version)) seen.set(version, { version, nodot: `3${minor}`, minor });
  }
  if (problems.length > 0) {
    throw new UsageError(`Invalid Python version${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}.`, {
      hint: `Give minor versions such as ${DEFAULT_PYTHON_VERSIONS.join(' ')} (the default); each gets its own requirements-pyNNN.lock.`,
    });
  }
  return [...seen.values()];
}

function versionProblem(value: string): string | undefined {
  const match = /^(\d+)\.(\d+)(\.\d+)?$/.exec(value);
  if (!match || !/^(0|[1-9]\d?)$/.test(match[2]!)) return 'not a Python version of the form 3.N';
  if (match[1] !== '3') return 'only Python 3 is supported';
  if (match[3] !== undefined) return 'lock files are per minor version; give it without the patch number';
  if (Number(match[2]) < MIN_MINOR) return `Python 3.${MIN_MINOR} or later is required`;
  return undefined;
}

/**
 * lockJobs lists the lock files of the original script for each version, in its order:
 * `auto-codex/requirements.txt` → `auto-codex/requirements-pyNNN.lock` and
 * `tests/requirements-test.txt` → `tests/requirements-test-pyNNN.lock`.
 */
export function lockJobs(versions: readonly PythonVersion[]): LockJob[] {
  return versions.flatMap((python) => [
    { python, input: 'auto-codex/requirements.txt', lock: `auto-codex/requirements-py${python.nodot}.lock` },
    { python, input: 'tests/requirements-test.txt', lock: `tests/requirements-test-py${python.nodot}.lock` },
  ]);
}

/** assertInputsExist throws UsageError (exit 2) naming every input file of `jobs` that is missing under `root`. */
export async function assertInputsExist(root: string, jobs: readonly LockJob[]): Promise<void> {
  const inputs = [...new Set(jobs.map((j) => j.input))];
  const missing: string[] = [];
  for (const input of inputs) {
    await access(join(root, input)).catch(() => missing.push(input));
  }
  if (missing.length > 0) {
    throw new UsageError(`Requirements file${missing.length > 1 ? 's' : ''} not found under ${root}: ${missing.join(', ')}.`, {
      hint: 'Run from the Auto-Codex checkout or pass --root <dir> (AUTO_CODEX_ROOT).',
    });
  }
}
