import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInterpreter } from '../../../../src/core/lock-deps/interpreter.js';
import { parsePythonVersions } from '../../../../src/core/lock-deps/versions.js';
import { makeBin, pythonExec, type FakePython } from '../../../helpers/lock-deps.js';

const [py312] = parsePythonVersions(['3.12']) as [ReturnType<typeof parsePythonVersions>[number]];

/** A pyenv root holding `versions/<v>/bin/python3.N` for each version. */
function makePyenv(versions: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'aco-ld-pyenv-'));
  mkdirSync(join(root, 'shims'));
  for (const v of versions) {
    mkdirSync(join(root, 'versions', v, 'bin'), { recursive: true });
    writeFileSync(join(root, 'versions', v, 'bin', `python${v.split('.').slice(0, 2).join('.')}`), '');
  }
  return root;
}

function search(pythons: Record<string, FakePython>, env: Record<string, string>) {
  const exec = pythonExec(pythons, () => ({ pins: {} }));
  return { exec, result: findInterpreter(py312, { exec, env, home: '/nonexistent-home', cwd: '/' }) };
}

describe('findInterpreter', () => {
  it('takes python3.12 from PATH and reports its real executable and pip', async () => {
    const bin = makeBin(['python3.12', 'python3']);
    const { exec, result } = search(
      { [join(bin, 'python3.12')]: { version: '3.12.8', pip: '24.3.1', executable: '/opt/py/bin/python3.12' }, [join(bin, 'python3')]: { version: '3.11.2' } },
      { PATH: bin },
    );
    expect(await result).toEqual({ found: { executable: '/opt/py/bin/python3.12', version: '3.12.8', implementation: 'CPython', pipVersion: '24.3.1' } });
    expect(exec.calls.every((c) => c.args[0] === '-c')).toBe(true);
  });

  it('accepts python3 when it is the requested version, and skips one of another version', async () => {
    const first = makeBin(['python3']);
    const second = makeBin(['python']);
    const { result } = search({ [join(first, 'python3')]: { version: '3.11.7' }, [join(second, 'python')]: { version: '3.12.1' } }, { PATH: `${first}:${second}` });
    expect((await result).found?.executable).toBe(join(second, 'python'));
  });

  it("skips pyenv shims on PATH and takes pyenv's newest 3.12 patch directly", async () => {
    const pyenv = makePyenv(['3.12.1', '3.12.10', '3.12.9', '3.12-dev', '3.13.0']);
    writeFileSync(join(pyenv, 'shims', 'python3.12'), '#!/bin/sh\n', { mode: 0o755 });
    const newest = join(pyenv, 'versions', '3.12.10', 'bin', 'python3.12');
    const { exec, result } = search({ [newest]: { version: '3.12.10' }, [join(pyenv, 'versions', '3.12.9', 'bin', 'python3.12')]: { version: '3.12.9' } }, { PATH: join(pyenv, 'shims'), PYENV_ROOT: pyenv });
    expect((await result).found?.executable).toBe(newest);
    expect(exec.calls.map((c) => c.file)).not.toContain(join(pyenv, 'shims', 'python3.12'));
  });

  it('skips interpreters without pip or with a pip older than 22.2, saying how to fix each', async () => {
    const a = makeBin(['python3.12']);
    const b = makeBin(['python3']);
    const { result } = search({ [join(a, 'python3.12')]: { version: '3.12.1', pip: null }, [join(b, 'python3')]: { version: '3.12.3', pip: '22.0.4' } }, { PATH: `${a}:${b}` });
    const found = await result;
    expect(found.found).toBeUndefined();
    expect(found.found ? [] : found.tried).toEqual([
      `${join(a, 'python3.12')}: Python 3.12.1 without pip (install it with \`${join(a, 'python3.12')} -m ensurepip\`)`,
      `${join(b, 'python3')}: pip 22.0.4 is older than 22.2 (upgrade it with \`${join(b, 'python3')} -m pip install -U pip\`)`,
      'python: not on PATH',
      expect.stringMatching(/\.pyenv\/versions: no 3\.12\.x \(pyenv\)$/),
    ]);
  });

  it('lists everything it looked at when there is no 3.12 at all, in order', async () => {
    const bin = makeBin(['python3', 'python']);
    const { result } = search({ [join(bin, 'python3')]: { version: '3.11.7' }, [join(bin, 'python')]: { version: '', exitCode: 127 } }, { PATH: bin, PYENV_ROOT: makePyenv(['3.11.7']) });
    const found = await result;
    expect(found.found ? [] : found.tried).toEqual([
      'python3.12: not on PATH',
      `${join(bin, 'python3')}: is Python 3.11.7`,
      `${join(bin, 'python')}: does not run (exit 127)`,
      expect.stringMatching(/versions: no 3\.12\.x \(pyenv\)$/),
    ]);
  });
});
