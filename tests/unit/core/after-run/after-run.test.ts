import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { afterRun, concernsAfterRun, shouldNotify, type AfterRunSettings } from '../../../../src/core/after-run/after-run.js';
import type { RunSummary } from '../../../../src/core/run/run-summary.js';
import { summaryLine } from '../../../../src/core/run/run-summary.js';

const end = new Date('2026-12-01T02:30:10Z');
const run = (over: Partial<RunSummary> = {}): RunSummary => ({ command: 'backup falkordb', outcome: 'failed', exitCode: 10, startedAt: end, endedAt: end, durationMs: 1200, details: {}, error: 'Docker is down', ...over });
const settings = (over: Partial<AfterRunSettings> = {}): AfterRunSettings => ({ notify: { urls: ['http://h/x'], on: 'failure' }, production: false, ...over });

describe('shouldNotify', () => {
  it.each([
    ['backup falkordb', 'failed', {}, true],
    ['backup falkordb', 'ok', {}, false],
    ['backup prune', 'interrupted', {}, true],
    ['backup list', 'failed', {}, false],
    ['drill falkordb', 'failed', {}, true],
    ['healthcheck', 'failed', {}, false],
    ['healthcheck', 'failed', { production: true }, true],
    ['restore falkordb', 'failed', {}, false],
    ['backup userdata', 'ok', { notify: { urls: ['http://h'], on: 'always' } }, true],
    ['backup userdata', 'failed', { notify: { urls: [], on: 'always' } }, false],
  ] as Array<[string, RunSummary['outcome'], Partial<AfterRunSettings>, boolean]>)('%s %s %o → %s', (command, outcome, over, expected) => {
    expect(shouldNotify(run({ command, outcome }), settings(over))).toBe(expected);
  });
});

describe('concernsAfterRun', () => {
  it.each([
    ['backup falkordb', true],
    ['backup list', false],
    ['restore userdata', true],
    ['healthcheck', true],
    ['schedule install', false],
    ['audit show', false],
    ['config', false],
  ])('%s → %s', (command, expected) => expect(concernsAfterRun(command)).toBe(expected));
});

describe('afterRun', () => {
  it('reports a failed delivery as a warning and for the audit record, never throwing', async () => {
    const warnings: string[] = [];
    const details = await afterRun(run(), settings(), { host: 'h', now: () => end, warn: (m) => warnings.push(m), limits: { timeoutMs: 10, retries: 0, backoffMs: 0 }, post: async () => 500 });
    expect(details).toEqual({ notification: [{ url: 'http://h/***', ok: false, attempts: 1, error: 'HTTP 500' }] });
    expect(warnings).toEqual([expect.stringMatching(/Could not notify 1 of 1 webhook\(s\).*exit status is unchanged/)]);
  });

  it('writes the newest backup of each project as its own series (kind and project), beside FalkorDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-after-run-'));
    const at = (name: string, iso: string) => {
      writeFileSync(join(dir, name), 'x');
      utimesSync(join(dir, name), new Date(iso), new Date(iso));
    };
    at('falkordb_data_20261130_020000.tar.gz', '2026-11-30T02:00:00Z');
    at('project_app_20261130_030000.tar.gz', '2026-11-30T03:00:00Z');
    at('project_app_20261201_030000.tar.gz', '2026-12-01T02:00:00Z');
    at('project_web_20261125_030000.tar.gz', '2026-11-25T03:00:00Z');
    const metricsFile = join(dir, 'm.prom');
    const details = await afterRun(run({ command: 'backup project', outcome: 'ok', exitCode: 0 }), settings({ notify: { urls: [], on: 'failure' }, metricsFile, backupDir: dir }), { host: 'h', now: () => end, warn: () => undefined });
    expect(details.metrics).toEqual({ file: metricsFile });
    const text = readFileSync(metricsFile, 'utf8');
    expect(text).toContain('autocodex_ops_backup_newest_age_seconds{kind="project",project="app"} 1810\n');
    expect(text).toContain('autocodex_ops_backup_newest_age_seconds{kind="project",project="web"} 516610\n');
    expect(text).toContain('autocodex_ops_backup_newest_age_seconds{kind="falkordb"} 88210\n');
  });

  it('reports an unwritable metrics file the same way', async () => {
    const warnings: string[] = [];
    const details = await afterRun(run(), settings({ notify: { urls: [], on: 'failure' }, metricsFile: '/nonexistent-dir/x.prom' }), { host: 'h', now: () => end, warn: (m) => warnings.push(m) });
    expect(details.metrics).toMatchObject({ file: '/nonexistent-dir/x.prom', error: expect.stringMatching(/ENOENT/) });
    expect(warnings[0]).toMatch(/Could not update the metrics file/);
  });
});

describe('summaryLine', () => {
  it('says what ran, how it ended and why', () => {
    expect(summaryLine(run())).toBe('backup falkordb failed (exit 10) after 1.2 s: Docker is down');
    expect(summaryLine(run({ outcome: 'ok', exitCode: 0, error: undefined, details: { archive: '/b/x.tar.gz', bytes: 2048 } }))).toBe('backup falkordb succeeded in 1.2 s: /b/x.tar.gz (2.0 KiB)');
  });
});
