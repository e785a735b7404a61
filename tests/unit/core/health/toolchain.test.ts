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
    if (status !== 'ok') expect(result.hint).toBeTruthy();
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
