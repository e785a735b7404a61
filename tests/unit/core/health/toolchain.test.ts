import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitCheck, gitCleanCheck, gitRepoCheck, nodeCheck, pythonCheck } from '../../../../src/core/health/checks/toolchain.js';
import { FakeExec } from '../../../helpers/fake-exec.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

describe('python and node versions', () => {
  it.each([
    [pythonCheck, { 'python3 --version': { stdout: 'Python 3.12.1' } }, 'ok', 'python3 3.12.1'],
    [pythonCheck, { 'python3 --version': { stdout: 'Python 3.13.0rc1' } }, 'ok', 'python3 3.13.0'],
    [pythonCheck, { 'python3 --version': { stdout: 'Python 3.11.7' } }, 'fail', 'python3 >= 3.12.0 required (found 3.11.7)'],
    [pythonCheck, {}, 'fail', 'python3 not found'],
    [nodeCheck, { 'node --version': { stdout: 'v20.20.2' } }, 'ok', 'node 20.20.2'],
    [nodeCheck, { 'node --version': { stdout: 'v16.20.0' } }, 'fail', 'node >= 18.0.0 required (found 16.20.0)'],
    [nodeCheck, {}, 'fail', 'node not found (required for auto-codex-ui)'],
    [nodeCheck, { 'node --version': { exitCode: 1, stdout: 'garbage' } }, 'fail', 'node >= 18.0.0 required (found unknown)'],
    [gitCheck, { 'git --version': { stdout: 'git version 2.39.5' } }, 'ok', 'git 2.39.5'],
    [gitCheck, {}, 'fail', 'git not found'],
  ] as const)('%# %s', async (check, table, status, message) => {
    const result = await check.run(fakeHealthContext({ exec: new FakeExec(table as never) }));
    expect(result).toMatchObject({ status, message });
    // A failure says what to do; a pass has nothing to add.
    expect(Boolean(result.hint)).toBe(status !== 'ok');
  });
});

describe('python behind a pyenv shim', () => {
  /** A PATH folder that is a pyenv root's shims folder, with 3.12.1 installed. */
  function pyenv(): { root: string; path: string; direct: string } {
    const root = mkdtempSync(join(tmpdir(), 'aco-pyenv-'));
    mkdirSync(join(root, 'shims'));
    writeFileSync(join(root, 'shims', 'python3'), '#!/usr/bin/env bash\n', { mode: 0o755 });
    mkdirSync(join(root, 'versions', '3.12.1', 'bin'), { recursive: true });
    writeFileSync(join(root, 'versions', '3.12.1', 'bin', 'python3'), '', { mode: 0o755 });
    return { root, path: join(root, 'shims'), direct: join(root, 'versions', '3.12.1', 'bin', 'python3') };
  }

  it.each([
    // [case, PYENV_VERSION, direct answer, shim answer, message, programs run]
    ['asks the selected version directly', '3.12.1', { stdout: 'Python 3.12.1' }, { stdout: 'Python 3.11.7' }, 'python3 3.12.1', ['direct']],
    ['runs the shim for system', 'system', undefined, { stdout: 'Python 3.11.2' }, 'python3 >= 3.12.0 required (found 3.11.2)', ['shim']],
    ['runs the shim for a version pyenv must resolve', '3.12', undefined, { stdout: 'Python 3.12.1' }, 'python3 3.12.1', ['shim']],
    ['runs the shim when the direct answer is no version', '3.12.1', { exitCode: 1, stdout: '' }, { stdout: 'Python 3.12.1' }, 'python3 3.12.1', ['direct', 'shim']],
  ] as const)('%s', async (_case, version, direct, shim, message, calls) => {
    const p = pyenv();
    const exec = new FakeExec({ ...(direct ? { [`${p.direct} --version`]: direct } : {}), 'python3 --version': shim });
    const ctx = { ...fakeHealthContext({ exec }), env: { PATH: p.path, PYENV_ROOT: p.root, PYENV_VERSION: version }, cwd: '/' };
    expect(await pythonCheck.run(ctx)).toMatchObject({ message });
    expect(exec.calls).toEqual(calls.map((c) => (c === 'direct' ? `${p.direct} --version` : 'python3 --version')));
  });

  it('runs python3 by name when it is no shim or the environment is unknown', async () => {
    const exec = new FakeExec({ 'python3 --version': { stdout: 'Python 3.12.1' } });
    const bin = mkdtempSync(join(tmpdir(), 'aco-bin-'));
    writeFileSync(join(bin, 'python3'), '', { mode: 0o755 });
    await pythonCheck.run({ ...fakeHealthContext({ exec }), env: { PATH: bin }, cwd: '/' });
    await pythonCheck.run(fakeHealthContext({ exec }));
    expect(exec.calls).toEqual(['python3 --version', 'python3 --version']);
  });
});

describe('git repository checks', () => {
  const repo = mkdtempSync(join(tmpdir(), 'aco-git-'));
  mkdirSync(join(repo, '.git'));
  const worktree = mkdtempSync(join(tmpdir(), 'aco-wt-'));
  writeFileSync(join(worktree, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
  const none = mkdtempSync(join(tmpdir(), 'aco-nogit-'));

  it('accepts a repository and a worktree (.git file), fails elsewhere', async () => {
    expect((await gitRepoCheck.run(fakeHealthContext({ root: repo }))).status).toBe('ok');
    expect(await gitRepoCheck.run(fakeHealthContext({ root: worktree }))).toMatchObject({ status: 'ok', message: expect.stringContaining('worktree') });
    expect(await gitRepoCheck.run(fakeHealthContext({ root: none }))).toMatchObject({ status: 'fail', message: `git repo not found at ${none}` });
  });

  const status = (stdout: string) => new FakeExec({ [`git -C ${repo} status --porcelain`]: { stdout } });
  it.each([
    ['clean', '', {}, 'ok', 'git working tree clean'],
    ['dirty, default profile', ' M a\n?? b\n', {}, 'warn', 'git working tree dirty (2 change(s))'],
    ['dirty, production', ' M a\n', { AUTO_CODEX_PRODUCTION: 'true' }, 'fail', 'git working tree dirty (1 change(s))'],
    ['dirty, enforced', ' M a\n', { AUTO_CODEX_ENFORCE_CLEAN_GIT: '1' }, 'fail', 'git working tree dirty (1 change(s))'],
  ])('git-clean %s', async (_n, stdout, env, expected, message) => {
    expect(await gitCleanCheck.run(fakeHealthContext({ root: repo, env, exec: status(stdout) }))).toMatchObject({ status: expected, message });
  });

  it('git-clean skips outside a repository', async () => {
    expect((await gitCleanCheck.run(fakeHealthContext({ root: none }))).status).toBe('skip');
  });
});
