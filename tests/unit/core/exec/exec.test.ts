import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExec } from '../../../../src/core/exec/exec.js';

const node = process.execPath;
const exec = createExec();
const script = (code: string) => ['-e', code];

describe('createExec', () => {
  it('returns exit code and output without the final newline', async () => {
    const res = await exec.run(node, script('process.stdout.write("a\\nb\\n"); process.stderr.write("é\\r\\n"); process.exit(3)'));
    expect(res).toEqual({ exitCode: 3, stdout: 'a\nb', stderr: 'é', timedOut: false });
  });

  it('reports a program not on PATH as notFound, and other spawn failures as exit -1', async () => {
    expect(await exec.run('aco-no-such-program', ['--version'])).toEqual({ notFound: true });
    const notExecutable = join(mkdtempSync(join(tmpdir(), 'aco-exec-')), 'tool');
    writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    expect(await exec.run(notExecutable, [])).toMatchObject({ exitCode: -1, stderr: expect.stringContaining('EACCES') });
    expect(await exec.run(node, ['a\0b'])).toMatchObject({ exitCode: -1, stderr: expect.stringContaining('null bytes') });
  });

  it('merges env over the process environment and runs in cwd', async () => {
    const res = await exec.run(node, script('console.log(process.env.ACO_X, process.env.PATH ? "path" : "none", process.cwd())'), { env: { ACO_X: 'x' }, cwd: '/' });
    expect(res).toMatchObject({ exitCode: 0, stdout: 'x path /' });
  });

  it('stops a program at its timeout and says so', async () => {
    const started = Date.now();
    const res = await exec.run(node, script('setTimeout(() => {}, 60_000)'), { timeoutMs: 200 });
    expect(res).toMatchObject({ exitCode: -1, timedOut: true });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops a program on abort, and starts none once aborted', async () => {
    const controller = new AbortController();
    const pending = exec.run(node, script('setTimeout(() => {}, 60_000)'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ exitCode: -1, timedOut: false });
    expect(await exec.run(node, script('console.log(1)'), { signal: controller.signal })).toMatchObject({ exitCode: -1, stdout: '' });
  });

  it('keeps at most 4 MiB of output; a program that goes on writing ends at its timeout', async () => {
    const res = await exec.run(node, script('const b = Buffer.alloc(1 << 20, 97); (function w() { process.stdout.write(b, w); })()'), { timeoutMs: 1500 });
    expect(res).toMatchObject({ exitCode: -1 });
    if (!res.notFound) expect(res.stdout.length).toBe(4 * 1024 * 1024);
  });
});
