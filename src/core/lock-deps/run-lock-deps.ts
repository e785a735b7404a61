import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OpsError, UsageError, throwIfAborted } from '../errors.js';
import type { Exec } from '../exec/exec.js';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import { acquireLock } from '../run/lock.js';
import type { BackendName, PinPolicy, PreparedPython, Resolution, Resolver } from './backend.js';
import { canonicalName, diffPins, parsePins, splitHeader, type PinChange } from './lock-file.js';
import { selectResolver } from './select-resolver.js';
import { assertInputsExist, lockJobs, parsePythonVersions, type LockJob } from './versions.js';


const LOCK_WRITE_HINT = (root: string) => `Fix that under ${root} and rerun; the lock files not yet written were left as they were.`;

/** The lock-deps options after argv parsing: positional versions as given, the root already found. */
export interface LockDepsOptions {
  root: string;
  versions: string[];
  check: boolean;
  backend?: BackendName;
  universal: boolean;
  /** Move every pin (default: keep the committed pins that still satisfy the requirements). */
  upgrade?: boolean;
  /** Move only these packages' pins. */
  upgradePackages?: string[];
}

/** Narrow logger: a pino logger fits. */
export interface LockDepsLog {
  info(msg: string): void;
  warn(msg: string): void;
}

/** What runLockDeps takes from the world; tests pass a fake Exec and a plain env. */
export interface LockDepsDeps {
  exec: Exec;
  /** The environment children get (PATH, PYENV_ROOT, UV_* and PIP_* index options …). */
  env: Record<string, string | undefined>;
  home: string;
  log: LockDepsLog;
  signal: AbortSignal;
  now?: () => number;
}

/** What happened to one lock: written (created/updated/unchanged) or, with --check, current/stale/missing. */
export type LockStatus = 'created' | 'updated' | 'unchanged' | 'current' | 'stale' | 'missing';

/** One lock file's outcome, with the packages whose pin changed (or would change). */
export interface LockReport {
  python: string;
  input: string;
  lock: string;
  tool: string;
  interpreter?: string;
  status: LockStatus;
  packages: number;
  changes: PinChange[];
  /** Committed pins that no longer resolved and were let go (pip backend). */
  released?: string[];
}

/** The `--json` result of lock-deps. */
export interface LockDepsResult {
  backend: BackendName;
  check: boolean;
  universal: boolean;
  /** `keep` (the committed pins, where they still resolve), `upgrade`, or `upgrade-package a b`. */
  pins: string;
  locks: LockReport[];
  durationMs: number;
}

/**
 * runLockDeps resolves every requested version's two requirements files into fresh temporary locks
 * and then, without --check, replaces each lock whose content changed (atomically, only after every
 * resolution succeeded); with --check it writes nothing and reports each lock as current, stale or
 * missing. Invalid versions, `--universal` with pip or a missing input throw UsageError (exit 2)
 * before anything runs; no usable backend or interpreter throws PrerequisiteError (exit 10) before
 * anything is resolved; a failed resolution throws OpsError (exit 1) carrying the resolver's trimmed
 * error, and leaves every lock byte-identical. Two regenerating runs on one root exclude each other
 * (exit 11).
 */
export async function runLockDeps(options: LockDepsOptions, deps: LockDepsDeps): Promise<LockDepsResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const versions = parsePythonVersions(options.versions);
  if (options.universal && options.backend === 'pip') {
    throw new UsageError("--universal needs the uv backend: pip's resolver only resolves for the platform it runs on.", { hint: 'Drop --backend pip, or drop --universal.' });
  }
  const jobs = lockJobs(versions);
  await assertInputsExist(options.root, jobs);
  const policy = pinPolicy(options);

  const env = Object.fromEntries(Object.entries(deps.env).filter((e): e is [string, string] => e[1] !== undefined));
  const backendDeps = { exec: deps.exec, env, home: deps.home, root: options.root, signal: deps.signal };
  const resolver = await unlessAborted(deps.signal, () => selectResolver(options.backend, options.universal, backendDeps, deps.log));
  // Every version is checked before anything is resolved, so a missing interpreter writes nothing.
  const prepared = new Map<string, PreparedPython>();
  for (const python of versions) {
    prepared.set(python.version, await unlessAborted(deps.signal, () => resolver.prepare(python)));
  }

  const lock = options.check
    ? undefined
    : await acquireLock({ dir: join(options.root, 'logs'), target: 'lock-deps', command: 'lock-deps', signal: deps.signal, log: deps.log });
  let workDir: string | undefined;
  try {
    // Outside the root: --check must work in a read-only checkout, and uv must not see an old lock.
    workDir = await mkdtemp(join(tmpdir(), 'autocodex-ops-lock-deps-'));
    const into = workDir;
    // The committed locks are the starting point (as `uv pip compile -o <lock>` reads its output file).
    const previous = await Promise.all(jobs.map((job) => readFile(join(options.root, job.lock), 'utf8').catch(() => undefined)));
    warnUnknownUpgrades(policy, previous, deps.log);
    const resolutions = await unlessAborted(deps.signal, () => resolveAll(jobs, resolver, prepared, into, deps, previous, policy));
    assertAllResolved(jobs, resolutions, prepared, options.check);
    const reports: LockReport[] = [];
    const writes: Array<{ job: LockJob; text: string }> = [];
    for (const [i, job] of jobs.entries()) {
      const { text, released } = resolutions[i] as Extract<Resolution, { ok: true }>;
      const old = previous[i];
      const status = statusOf(old, text, options.check);
      const pins = parsePins(text);
      const { tool, interpreter } = prepared.get(job.python.version)!;
      reports.push({
        python: job.python.version,
        input: job.input,
        lock: job.lock,
        tool,
        ...(interpreter ? { interpreter: interpreter.executable } : {}),
        status,
        packages: pins.length,
        changes: diffPins(old === undefined ? [] : parsePins(old), pins),
        ...(released?.length ? { released } : {}),
      });
      if (status === 'created' || status === 'updated') writes.push({ job, text });
    }
    throwIfAborted(deps.signal);
    await publish(options.root, writes, deps.log);
    deps.log.info(options.check ? 'Check done.' : 'Done.');
    return { backend: resolver.name, check: options.check, universal: options.universal, pins: pinsMode(policy), locks: reports, durationMs: now() - started };
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await lock?.release();
  }
}

// Ctrl-C kills the children, and a killed uv or python looks like a failed resolution or a
// missing interpreter: report the interrupt (exit 130), not what its effects look like.
async function unlessAborted<T>(signal: AbortSignal, step: () => Promise<T>): Promise<T> {
  let value: T;
  try {
    value = await step();
  } catch (err) {
    throwIfAborted(signal);
    throw err;
  }
  throwIfAborted(signal);
  return value;
}

// The two files of one version resolve side by side; versions go one after the other, which keeps
// at most two resolvers (and their downloads) running on the two cores of a small machine.
async function resolveAll(
  jobs: LockJob[],
  resolver: Resolver,
  prepared: Map<string, PreparedPython>,
  workDir: string,
  deps: LockDepsDeps,
  previous: (string | undefined)[],
  policy: PinPolicy,
): Promise<Resolution[]> {
  const results: Resolution[] = [];
  const versions = [...new Set(jobs.map((j) => j.python.version))];
  for (const version of versions) {
    throwIfAborted(deps.signal);
    const batch = jobs.filter((j) => j.python.version === version);
    const { tool, interpreter } = prepared.get(version)!;
    const using = interpreter ? `${tool} (${interpreter.implementation} ${interpreter.version} at ${interpreter.executable})` : tool;
    deps.log.info(`Resolving Python ${version} -> py${batch[0]!.python.nodot} with ${using}.`);
    results.push(...(await Promise.all(batch.map((job) => resolver.resolve(job, workDir, { previous: previous[jobs.indexOf(job)], policy })))));
  }
  return results;
}

function assertAllResolved(jobs: LockJob[], resolutions: Resolution[], prepared: Map<string, PreparedPython>, check: boolean): void {
  const failed = jobs.flatMap((job, i) => {
    const r = resolutions[i]!;
    return r.ok ? [] : [`${job.lock} (${job.input}, Python ${job.python.version}, ${prepared.get(job.python.version)!.tool}):\n${indent(r.error)}`];
  });
  if (failed.length === 0) return;
  const untouched = check ? 'nothing was compared' : 'no lock file was changed';
  throw new OpsError(`Resolution failed for ${failed.length} of ${jobs.length} lock files; ${untouched}.\n${failed.join('\n')}`, {
    hint: 'Fix the conflicting or unavailable requirement (or the index settings: UV_INDEX_URL, PIP_INDEX_URL, PIP_FIND_LINKS …) and rerun.',
  });
}

const PACKAGE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** pinPolicy validates --upgrade-package names (exit 2 naming the bad ones) and returns the policy. */
function pinPolicy(options: LockDepsOptions): PinPolicy {
  const names = options.upgradePackages ?? [];
  const bad = names.filter((n) => !PACKAGE.test(n));
  if (bad.length) throw new UsageError(`--upgrade-package: not a package name: ${bad.map((b) => `'${b}'`).join(', ')}`, { hint: 'Give a distribution name as it appears in the lock, e.g. --upgrade-package requests.' });
  return { upgrade: Boolean(options.upgrade), upgradePackages: [...new Set(names.map(canonicalName))] };
}

function pinsMode(policy: PinPolicy): string {
  if (policy.upgrade) return 'upgrade';
  return policy.upgradePackages.length ? `upgrade-package ${policy.upgradePackages.join(' ')}` : 'keep';
}

function warnUnknownUpgrades(policy: PinPolicy, previous: (string | undefined)[], log: LockDepsLog): void {
  const pinned = new Set(previous.flatMap((text) => (text === undefined ? [] : parsePins(text).map((p) => p.name))));
  const unknown = policy.upgradePackages.filter((n) => !pinned.has(n));
  if (unknown.length && pinned.size) log.warn(`--upgrade-package ${unknown.join(' ')}: not pinned in any of these locks; nothing to move.`);
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

function statusOf(old: string | undefined, text: string, check: boolean): LockStatus {
  if (check) {
    if (old === undefined) return 'missing';
    return diffPins(parsePins(old), parsePins(text)).length === 0 ? 'current' : 'stale';
  }
  if (old === undefined) return 'created';
  // Same body, other header (another pip or Python patch): keep the file, and git free of churn.
  return splitHeader(old).body.join('\n') === splitHeader(text).body.join('\n') ? 'unchanged' : 'updated';
}

async function publish(root: string, writes: Array<{ job: LockJob; text: string }>, log: LockDepsLog): Promise<void> {
  // As root the files are written by path into the checkout: every folder they go to must be
  // root's alone (safe-output-dir.ts), checked for all before the first write.
  for (const { job } of writes) assertSafeOutputDir(dirname(join(root, job.lock)), 'the folder of the lock file');
  const done: string[] = [];
  for (const { job, text } of writes) {
    try {
      // Lock files are committed and read by everyone: a new one gets 0644 (less the umask).
      await writeFileAtomic(join(root, job.lock), text, { replace: true, mode: 0o644, mkdir: true, hint: LOCK_WRITE_HINT(root) });
    } catch (err) {
      if (done.length > 0) log.warn(`Already replaced before the failure: ${done.join(', ')}.`);
      throw err;
    }
    done.push(job.lock);
  }
}
