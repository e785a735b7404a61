import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import { assertInputsExist, lockJobs, parsePythonVersions } from '../../../../src/core/lock-deps/versions.js';

describe('parsePythonVersions', () => {
  it('defaults to 3.12 and 3.13, as the original script', () => {
    expect(parsePythonVersions([]).map((v) => v.version)).toEqual(['3.12', '3.13']);
  });

  it('keeps the order given and drops duplicates', () => {
    expect(parsePythonVersions(['3.13', '3.8', '3.13', '3.10'])).toEqual([
      { version: '3.13', nodot: '313', minor: 13 },
      { version: '3.8', nodot: '38', minor: 8 },
      { version: '3.10', nodot: '310', minor: 10 },
    ]);
  });

  it.each([
    ['3.x', 'not a Python version of the form 3.N'],
    ['2.7', 'only Python 3 is supported'],
    ['3.12.1', 'per minor version'],
    ['3.7', 'Python 3.8 or later'],
    ['3.012', 'not a Python version'],
    ['312', 'not a Python version'],
    ['', 'not a Python version'],
  ])('rejects %j with exit 2: %s', (value, reason) => {
    let error: unknown;
    try {
      parsePythonVersions([value]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toContain(reason);
  });

  it('names every invalid value at once', () => {
    expect(() => parsePythonVersions(['3.x', '3.12', '2.7'])).toThrow(/'3\.x'.*'2\.7'/);
  });
});

describe('lockJobs', () => {
  it("lists the original script's two locks per version, root-relative", () => {
    expect(lockJobs(parsePythonVersions(['3.12'])).map(({ input, lock }) => [input, lock])).toEqual([
      ['auto-codex/requirements.txt', 'auto-codex/requirements-py312.lock'],
      ['tests/requirements-test.txt', 'tests/requirements-test-py312.lock'],
    ]);
  });
});

describe('assertInputsExist', () => {
  const jobs = lockJobs(parsePythonVersions(['3.12', '3.13']));

  it('passes when both inputs exist', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aco-ld-'));
    for (const dir of ['auto-codex', 'tests']) mkdirSync(join(root, dir));
    writeFileSync(join(root, 'auto-codex/requirements.txt'), 'a\n');
    writeFileSync(join(root, 'tests/requirements-test.txt'), 'b\n');
    await expect(assertInputsExist(root, jobs)).resolves.toBeUndefined();
  });

  it('throws UsageError naming each missing input once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aco-ld-'));
    mkdirSync(join(root, 'tests'));
    writeFileSync(join(root, 'tests/requirements-test.txt'), 'b\n');
    const error = await assertInputsExist(root, jobs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`Requirements file not found under ${root}: auto-codex/requirements.txt.`);
  });
});
