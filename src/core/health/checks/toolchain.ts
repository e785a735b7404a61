import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import type { Exec } from '../../exec/exec.js';
import { resolvePyenvShim } from '../../exec/pyenv.js';
import { which } from '../../exec/which.js';
import { fail, ok, skip, escalate, type Check, type CheckContext } from '../types.js';

/** versionOf runs `<cmd> --version` and returns the first x.y[.z] it prints, `missing`, or `unknown`. */
export async function versionOf(exec: Exec, cmd: string, signal: AbortSignal): Promise<string | 'missing' | 'unknown'> {
  const res = await exec.run(cmd, ['--version'], { signal, timeoutMs: 4000 });
  if (res.notFound) return 'missing';
  const match = /(\d+\.\d+(?:\.\d+)?)/.exec(`${res.stdout} ${res.stderr}`);
  return res.exitCode === 0 && match ? match[1]! : 'unknown';
}

/**
 * programVersion is versionOf for the program `cmd` names on PATH, asked directly when that is a
 * pyenv shim whose selection is plain to read (the shim starts bash and pyenv: 0.3 s or more); the
 * shim itself is run when pyenv must decide, or when the direct answer is not a version.
 */
export async function programVersion(ctx: CheckContext, cmd: string): Promise<string | 'missing' | 'unknown'> {
  const direct = await behindPyenvShim(ctx, cmd);
  const version = direct ? await versionOf(ctx.exec, direct, ctx.signal) : 'unknown';
  return version === 'missing' || version === 'unknown' ? versionOf(ctx.exec, cmd, ctx.signal) : version;
}

async function behindPyenvShim(ctx: CheckContext, cmd: string): Promise<string | undefined> {
  const { env, cwd, home } = ctx;
  if (!env || cwd === undefined) return undefined;
  const found = await which(cmd, env.PATH ?? '');
  return found && resolvePyenvShim(found, { env, home, cwd });
}

function minimumVersion(id: string, cmd: string, minimum: string, missingHint: string, purpose = ''): Check {
  return {
    id,
    group: 'toolchain',
    title: cmd,
    async run(ctx) {
      const found = await programVersion(ctx, cmd);
      if (found === 'missing') return fail(`${cmd} not found${purpose}`, missingHint);
      const version = semver.coerce(found);
      if (!version || semver.lt(version, minimum)) {
        return fail(`${cmd} >= ${minimum} required (found ${found})`, `Upgrade ${cmd} to ${minimum} or later. ${missingHint}`);
      }
      return ok(`${cmd} ${found}`);
    },
  };
}

export const pythonCheck = minimumVersion('python', 'python3', '3.12.0', 'Install Python 3.12+ (e.g. with pyenv or your OS packages) and put python3 on PATH.');
export const nodeCheck = minimumVersion('node', 'node', '18.0.0', 'Install Node.js 18+ (needed to build auto-codex-ui).', ' (required for auto-codex-ui)');

/** installedCheck passes when `cmd` answers `--version` (any version), naming it; fails with `hint` when it is not found. */
export function installedCheck(check: Pick<Check, 'id' | 'group' | 'title'>, cmd: string, label: string, hint: string): Check {
  return {
    ...check,
    async run(ctx) {
      const found = await versionOf(ctx.exec, cmd, ctx.signal);
      if (found === 'missing') return fail(`${label} not found`, hint);
      return ok(`${label} ${found}`);
    },
  };
}

export const gitCheck = installedCheck({ id: 'git', group: 'toolchain', title: 'git' }, 'git', 'git', 'Install git and put it on PATH.');

/** gitDirKind tells whether the root holds a repository: `.git` folder, a worktree's `.git` file, or nothing. */
async function gitDirKind(root: string): Promise<'dir' | 'worktree' | 'none'> {
  try {
    const st = await stat(join(root, '.git'));
    return st.isDirectory() ? 'dir' : 'worktree';
  } catch {
    return 'none';
  }
}

export const gitRepoCheck: Check = {
  id: 'git-repo',
  group: 'toolchain',
  title: 'git repository',
  async run(ctx) {
    const kind = await gitDirKind(ctx.config.root);
    if (kind === 'none') return fail(`git repo not found at ${ctx.config.root}`, 'Run from your Auto-Codex checkout, or pass --root / set AUTO_CODEX_ROOT.');
    return ok(kind === 'worktree' ? `git worktree at ${ctx.config.root}` : `git repo at ${ctx.config.root}`);
  },
};

async function gitStatus(ctx: CheckContext) {
  return ctx.exec.run('git', ['-C', ctx.config.root, 'status', '--porcelain'], { signal: ctx.signal, timeoutMs: 4000 });
}

export const gitCleanCheck: Check = {
  id: 'git-clean',
  group: 'toolchain',
  title: 'git working tree',
  async run(ctx) {
    if ((await gitDirKind(ctx.config.root)) === 'none') return skip('not a git repository (see git-repo)');
    const res = await gitStatus(ctx);
    if (res.notFound) return skip('git not found (see git)');
    if (res.exitCode !== 0) return fail(`git status failed: ${res.stderr.trim().split('\n')[0]}`, 'Run `git status` in the root to see why.');
    const changes = res.stdout.split('\n').filter((l) => l.trim() !== '').length;
    if (changes === 0) return ok('git working tree clean');
    return escalate(
      ctx.config.enforce.cleanGit,
      `git working tree dirty (${changes} change(s))`,
      'Commit or stash the changes before a release (enforced by AUTO_CODEX_PRODUCTION or AUTO_CODEX_ENFORCE_CLEAN_GIT).',
    );
  },
};
