import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exec, ExecOptions, ExecResult } from '../../../../src/core/exec/exec.js';
import { createComposeRunner, prepareCompose } from '../../../../src/core/rollback/compose-runner.js';

/** RecordingExec answers every call with `answer` and records argv, cwd and env. */
class RecordingExec implements Exec {
  readonly calls: Array<{ line: string; options?: ExecOptions }> = [];
  constructor(private readonly answer: (line: string) => ExecResult) {}
  async run(file: string, args: string[], options?: ExecOptions): Promise<ExecResult> {
    const line = [file, ...args].join(' ');
    this.calls.push({ line, options });
    return this.answer(line);
  }
}

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
const ENV = { FALKORDB_IMAGE_TAG: 'v1', GRAPHITI_MCP_IMAGE_TAG: 'g1' };
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('createComposeRunner', () => {
  it('runs docker-compose v1 in the root with -p, the tags in the environment, never on argv', async () => {
    const exec = new RecordingExec(() => ok());
    const runner = createComposeRunner(exec, { cli: { command: ['docker-compose'], version: '1.29.2', major: 1 }, root: '/srv/ac', project: 'auto-codex', files: [] });
    await runner.up(['falkordb', 'graphiti-mcp'], ENV, { timeoutMs: 1000 });
    expect(exec.calls[0]).toEqual({ line: 'docker-compose -p auto-codex up -d --no-build falkordb graphiti-mcp', options: expect.objectContaining({ cwd: '/srv/ac', env: ENV, timeoutMs: 1000 }) });
    expect(runner.describe).toBe('docker-compose 1.29.2, project auto-codex');
  });

  it('passes explicit files and the project directory to the v2 plugin', async () => {
    const exec = new RecordingExec(() => ok());
    const runner = createComposeRunner(exec, { cli: { command: ['docker', 'compose'], version: '2.29.1', major: 2 }, root: '/srv/ac', project: 'p', files: ['/a.yml', '/b.yml'] });
    await runner.pull(['falkordb'], ENV);
    expect(exec.calls[0]?.line).toBe('docker compose -p p -f /a.yml -f /b.yml --project-directory /srv/ac pull falkordb');
  });

  it('turns a failed pull into exit 10 and a failed up into exit 1 with compose output', async () => {
    const exec = new RecordingExec((line) => ({ exitCode: 1, stdout: '', stderr: line.includes('pull') ? 'pull access denied' : 'Recreating p-falkordb ... \nRecreating p-falkordb ... done\n\nERROR: for falkordb  Container "1a2b" is unhealthy.' }));
    const runner = createComposeRunner(exec, { cli: { command: ['docker-compose'], version: '1.29.2', major: 1 }, root: '/r', project: 'p', files: [] });
    await expect(runner.pull(['falkordb'], ENV)).rejects.toMatchObject({ exitCode: 10, message: expect.stringContaining('pull access denied') });
    const up = await runner.up(['falkordb'], ENV, { timeoutMs: 1000 }).catch((e: Error) => e);
    expect(up).toMatchObject({ exitCode: 1 });
    // The progress lines go; the ERROR line stays, on one line.
    expect((up as Error).message).toBe('docker-compose -p p up -d --no-build falkordb exited with 1: ERROR: for falkordb  Container "1a2b" is unhealthy.');
  });
});

describe('prepareCompose', () => {
  const root = () => {
    const r = mkdtempSync(join(tmpdir(), 'aco-compose-'));
    roots.push(r);
    return r;
  };
  const v1Only = new RecordingExec((line) => (line === 'docker-compose version' ? ok('docker-compose version 1.29.2, build unknown') : { exitCode: 1, stdout: '', stderr: 'unknown command' }));

  it('finds docker-compose.yml in the root and the v1 CLI', async () => {
    const r = root();
    writeFileSync(join(r, 'docker-compose.yml'), 'services: {}\n');
    const runner = await prepareCompose(v1Only, { root: r, project: 'auto-codex', files: [] });
    expect(runner.describe).toBe('docker-compose 1.29.2, project auto-codex');
  });

  it('fails with exit 10 when there is no compose file or no CLI', async () => {
    await expect(prepareCompose(v1Only, { root: root(), project: 'p', files: [] })).rejects.toMatchObject({ exitCode: 10, message: expect.stringContaining('No compose file') });
    await expect(prepareCompose(v1Only, { root: root(), project: 'p', files: ['nope.yml'] })).rejects.toMatchObject({ exitCode: 10 });
    const r = root();
    writeFileSync(join(r, 'compose.yaml'), 'services: {}\n');
    await expect(prepareCompose(new RecordingExec(() => ({ notFound: true })), { root: r, project: 'p', files: [] })).rejects.toMatchObject({ exitCode: 10 });
  });
});
