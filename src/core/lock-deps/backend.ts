import type { Exec } from '../exec/exec.js';
import type { Interpreter } from './interpreter.js';
import type { LockJob, PythonVersion } from './versions.js';

/** Which resolver writes the locks: uv (the original script's) or pip's own resolver. */
export type BackendName = 'uv' | 'pip';

/** What a backend found for one Python version: the tool that will resolve, and pip's interpreter. */
export interface PreparedPython {
  /** `uv 0.5.11` or `pip 23.2.1`. */
  tool: string;
  interpreter?: Interpreter;
}

/**
 * A resolution's outcome: the lock text (with the packages whose committed pin no longer resolved
 * and was let go), or the resolver's error trimmed to what matters.
 */
export type Resolution = { ok: true; text: string; released?: string[] } | { ok: false; error: string };

/**
 * Which pins of the existing lock a resolution keeps. By default every pin that still satisfies the
 * requirements (as `uv pip compile -o <existing lock>` does); `upgrade` keeps none; `upgradePackages`
 * (canonical names) are moved while the rest stay.
 */
export interface PinPolicy {
  upgrade: boolean;
  upgradePackages: string[];
}

export const KEEP_PINS: PinPolicy = { upgrade: false, upgradePackages: [] };

/** The flags that say the policy on a command line (`--upgrade`, `--upgrade-package a …`). */
export function policyFlags(policy: PinPolicy): string {
  if (policy.upgrade) return ' --upgrade';
  return policy.upgradePackages.map((p) => ` --upgrade-package ${p}`).join('');
}

/** What one resolution starts from: the committed lock's text (absent for a new lock) and the policy. */
export interface Preferences {
  previous?: string;
  policy: PinPolicy;
}

/**
 * Resolver is one backend. `prepare` is called for every version before anything is resolved and
 * throws PrerequisiteError (exit 10) when that version cannot be resolved here; `resolve` writes
 * nothing outside `workDir` and reports a failed resolution as `{ ok: false }`, never by throwing.
 */
export interface Resolver {
  readonly name: BackendName;
  prepare(python: PythonVersion): Promise<PreparedPython>;
  resolve(job: LockJob, workDir: string, preferences?: Preferences): Promise<Resolution>;
}

/** What the backends share: the Exec port, the child environment, the root (cwd of every run), the signal. */
export interface BackendDeps {
  exec: Exec;
  /** Passed to every child as is, so UV_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX … reach the tool untouched. */
  env: Record<string, string>;
  home: string;
  root: string;
  signal?: AbortSignal;
}

/** How to get uv, for the hints of exit 10. */
export const INSTALL_UV_HINT =
  'Install uv (`pipx install uv`, `pip install uv`, or see https://docs.astral.sh/uv/getting-started/installation/); it resolves for any Python version without needing that interpreter.';

/** The command a lock header records, so a reader can regenerate it by hand. */
export function uvCompileCommand(job: LockJob, universal: boolean, policy: PinPolicy = KEEP_PINS): string {
  return `uv pip compile --python-version ${job.python.version} ${job.input} -o ${job.lock}${universal ? ' --universal' : ''}${policyFlags(policy)}`;
}
