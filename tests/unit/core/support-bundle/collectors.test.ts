import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrerequisiteError } from '../../../../src/core/errors.js';
import { dockerCollector } from '../../../../src/core/support-bundle/collect-docker.js';
import { taskLogsCollector } from '../../../../src/core/support-bundle/collect-task-logs.js';
import { userdataCollector } from '../../../../src/core/support-bundle/collect-userdata.js';
import type { BundlePart, Collected } from '../../../../src/core/support-bundle/types.js';
import { composeLabels, FakeDocker } from '../../../helpers/fake-docker.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-col-'));
  dirs.push(dir);
  return dir;
}
async function put(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}
const signal = new AbortController().signal;
const names = (c: Collected) => c.parts.map((p) => p.name);
const text = (c: Collected, name: string) => (c.parts.find((p) => p.name === name) as Extract<BundlePart, { kind: 'text' }>).text;

describe('dockerCollector', () => {
  const services = [
    { service: 'falkordb', containerName: 'auto-codex-falkordb' },
    { service: 'graphiti-mcp', containerName: 'auto-codex-graphiti-mcp' },
  ];

  it('takes state, masked inspect and timestamped logs of each service; a missing one is recorded', async () => {
    const docker = new FakeDocker({
      containers: [{ name: 'auto-codex-falkordb', labels: composeLabels('falkordb'), restartCount: 3, env: { TZ: 'UTC', REDIS_ARGS: '--requirepass pw-in-env-123' }, logs: 'one\ntwo\nthree' }],
    });
    const secrets: string[] = [];
    const got = await dockerCollector({ docker: async () => docker, project: 'auto-codex', services, tail: 2, onSecret: (v) => secrets.push(v), timeoutMs: 1000 }).collect(signal);
    expect(names(got)).toEqual(['docker/falkordb.json', 'docker/falkordb.log']);
    const doc = JSON.parse(text(got, 'docker/falkordb.json')) as Record<string, unknown> & { inspect: { Config: { Env: string[] } } };
    expect(doc).toMatchObject({ service: 'falkordb', matchedBy: 'labels', restartCount: 3, state: 'running' });
    expect(doc.inspect.Config.Env).toEqual(['TZ=UTC', 'REDIS_ARGS=***']);
    expect(secrets).toEqual(['--requirepass pw-in-env-123']);
    expect(text(got, 'docker/falkordb.log')).toBe('two\nthree\n');
    expect(docker.callsTo('containerLogs')[0]?.[1]).toMatchObject({ tail: 2, timestamps: true });
    expect(got.skipped).toEqual([expect.objectContaining({ name: 'docker/graphiti-mcp.json', reason: 'not found' })]);
  });

  it('rejects when the engine is unreachable (collectAll records the section)', async () => {
    const collect = dockerCollector({ docker: async () => Promise.reject(new PrerequisiteError('Docker engine is not reachable')), project: 'p', services, tail: 5, onSecret: () => undefined, timeoutMs: 1000 }).collect(signal);
    await expect(collect).rejects.toThrow('not reachable');
  });
});

describe('userdataCollector', () => {
  it('takes logs and masked settings, lists other files by name only, and never follows a link or takes a .env', async () => {
    const ud = await tempDir();
    await put(join(ud, 'logs', 'main.log'), 'log\n');
    await put(join(ud, 'logs', 'main-2024-01-01T00-00-00-000Z.log'), 'old\n');
    await put(join(ud, 'logs', '.env'), 'X=1\n');
    await symlink('/etc/passwd', join(ud, 'logs', 'linked.log'));
    await put(join(ud, 'settings.json'), JSON.stringify({ riskPolicy: 'permissive', globalAnthropicApiKey: 'enc:QUJDREVG' }));
    await put(join(ud, 'config', 'codex-profiles.json'), '{"secret":true}');
    await put(join(ud, 'store', 'projects.json'), '{}');
    const secrets: string[] = [];
    const got = await userdataCollector({ userdataDir: ud, onSecret: (v) => secrets.push(v), timeoutMs: 1000 }).collect(signal);
    expect(names(got)).toEqual(['app/logs/main-2024-01-01T00-00-00-000Z.log', 'app/logs/main.log', 'app/settings.json', 'app/files.txt']);
    expect(JSON.parse(text(got, 'app/settings.json'))).toEqual({ riskPolicy: 'permissive', globalAnthropicApiKey: '***' });
    expect(secrets).toEqual(['enc:QUJDREVG']);
    expect(text(got, 'app/files.txt')).toMatch(/store\/projects\.json\n$/);
    expect(text(got, 'app/files.txt')).not.toContain('codex-profiles');
  });

  it('does not follow a logs folder that is a link', async () => {
    const ud = await tempDir();
    const elsewhere = await tempDir();
    await put(join(elsewhere, 'private.log'), 'not yours\n');
    await symlink(elsewhere, join(ud, 'logs'));
    const got = await userdataCollector({ userdataDir: ud, onSecret: () => undefined, timeoutMs: 1000 }).collect(signal);
    expect(names(got)).toEqual(['app/files.txt']);
    expect(got.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'app/logs/', reason: 'unreadable', detail: expect.stringMatching(/symbolic link; not followed/) })]));
  });

  it('records a missing userData folder as not found', async () => {
    const got = await userdataCollector({ userdataDir: '/nonexistent/ud', onSecret: () => undefined, timeoutMs: 1000 }).collect(signal);
    expect(got).toEqual({ parts: [], skipped: [expect.objectContaining({ name: 'app/', reason: 'not found' })] });
  });
});

describe('taskLogsCollector', () => {
  it("takes each listed project's task_logs.json and logs/ (worktrees too), leaving out older files and recording a gone project", async () => {
    const ud = await tempDir();
    const proj = await tempDir();
    await put(join(proj, '.auto-codex', 'specs', '001-a', 'task_logs.json'), '{}');
    await put(join(proj, '.auto-codex', 'specs', '001-a', 'logs', 'session-1.log'), 'x\n');
    await put(join(proj, '.auto-codex', 'specs', '001-a', 'spec.md'), 'not a log');
    await put(join(proj, '.auto-codex', 'specs', '002-old', 'task_logs.json'), '{}');
    await utimes(join(proj, '.auto-codex', 'specs', '002-old', 'task_logs.json'), new Date('2020-01-01'), new Date('2020-01-01'));
    await put(join(proj, '.worktrees', '003-w', '.auto-codex', 'specs', '003-w', 'task_logs.json'), '{}');
    await put(join(proj, '.auto-codex', '.env'), 'OPENAI_API_KEY=x');
    await put(join(ud, 'store', 'projects.json'), JSON.stringify({ projects: [{ path: proj }, { path: '/nonexistent/project' }] }));
    const got = await taskLogsCollector({ projects: [], userdataDir: ud, since: new Date('2023-01-01'), timeoutMs: 1000 }).collect(signal);
    const label = proj.split('/').at(-1);
    expect(names(got).sort()).toEqual([`projects/${label}/001-a/logs/session-1.log`, `projects/${label}/001-a/task_logs.json`, `projects/${label}/worktrees/003-w/003-w/task_logs.json`]);
    expect(got.skipped.map((s) => [s.name, s.reason])).toEqual([
      [`projects/${label}/`, 'excluded'],
      ['projects/project/', 'not found'],
    ]);
  });

  it('says so when there is neither --project nor a project list', async () => {
    const got = await taskLogsCollector({ projects: [], userdataDir: '/nonexistent/ud', timeoutMs: 1000 }).collect(signal);
    expect(got.skipped).toEqual([expect.objectContaining({ name: 'projects/', reason: 'not found' })]);
  });
});
