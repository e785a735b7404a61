import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelOfProject, logsOnlyMembers, projectOrigin, projectPlace } from '../../../../src/core/stack/project-content.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'aco-project-content-'));
  dirs.push(d);
  return d;
};

describe('project content rules', () => {
  it('labels a project by its basename, filename-safe and without "_"', () => {
    expect(labelOfProject('/home/ann/code/my app')).toBe('my-app');
    expect(labelOfProject('/srv/a_b')).toBe('a-b');
    expect(labelOfProject('/srv/.hidden')).toBe('hidden');
  });

  it('reads the project and subset a manifest records, ignoring anything else', () => {
    expect(projectOrigin({ source: { project: '/p', subset: 'logs-only' } })).toEqual({ project: '/p', subset: 'logs-only' });
    expect(projectOrigin({ source: { project: 'relative', subset: 'all' } })).toEqual({});
    expect(projectOrigin({ source: 'x' })).toEqual({});
    expect(projectOrigin(undefined)).toEqual({});
  });

  it('--logs-only takes each spec\'s logs/ folder and task_logs.json, never a link in their place', async () => {
    const dot = join(temp(), '.auto-codex');
    mkdirSync(join(dot, 'specs', '001', 'logs'), { recursive: true });
    writeFileSync(join(dot, 'specs', '001', 'task_logs.json'), '{}');
    writeFileSync(join(dot, 'specs', '001', 'spec.md'), '#');
    mkdirSync(join(dot, 'specs', '002'));
    symlinkSync('/etc', join(dot, 'specs', '002', 'logs'));
    symlinkSync('/etc/hostname', join(dot, 'specs', '002', 'task_logs.json'));
    symlinkSync('/etc', join(dot, 'specs', '003'));
    expect(await logsOnlyMembers(dot)).toEqual(['./specs/001/logs', './specs/001/task_logs.json']);
    expect(await logsOnlyMembers(join(dot, 'nothing'))).toEqual([]);
  });

  it('tells a missing project, a project without .auto-codex/ and a linked .auto-codex apart', async () => {
    const base = temp();
    expect(await projectPlace(join(base, 'gone'))).toBe('missing');
    mkdirSync(join(base, 'bare'));
    expect(await projectPlace(join(base, 'bare'))).toBe('no-auto-codex');
    mkdirSync(join(base, 'linked'));
    symlinkSync(base, join(base, 'linked', '.auto-codex'));
    expect(await projectPlace(join(base, 'linked'))).toBe('auto-codex-not-a-folder');
    writeFileSync(join(base, 'file'), '');
    expect(await projectPlace(join(base, 'file'))).toBe('not-a-folder');
  });
});
