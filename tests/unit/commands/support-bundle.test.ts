import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditPolicyFor } from '../../../src/core/audit/policy.js';
import { runProgram } from '../../helpers/run-program.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('support-bundle command', () => {
  it.each([
    [['--tail', '0'], /tail/],
    [['--tail', 'many'], /tail/],
    [['--since', 'last tuesday'], /--since: 'last tuesday' is neither a duration nor a date/],
    [['--max-size', 'huge'], /--max-size: 'huge' is not a size/],
    [['--max-size', '10KB'], /too small/],
    [['--output', 'bundle.zip'], /does not end in \.tar\.gz/],
    [['--bogus'], /unknown option/],
  ])('refuses %j with exit 2 and writes nothing', async (args, message) => {
    const cwd = await mkdtemp(join(tmpdir(), 'sb-cmd-'));
    dirs.push(cwd);
    const run = await runProgram(['support-bundle', ...args], { cwd, env: { AUTO_CODEX_ROOT: cwd, USERDATA_DIR: join(cwd, 'ud'), DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('is audited on every run: a bundle carries logs off the machine', () => {
    expect(auditPolicyFor('support-bundle')).toBe('always');
  });
});
