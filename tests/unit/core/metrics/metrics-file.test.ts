import { mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSamples, renderMetrics, updateMetricsFile } from '../../../../src/core/metrics/metrics-file.js';
import { runSamples } from '../../../../src/core/metrics/run-samples.js';
import type { RunSummary } from '../../../../src/core/run/run-summary.js';

const end = new Date('2026-12-01T02:30:10Z');
const run = (over: Partial<RunSummary>): RunSummary => ({ command: 'backup falkordb', outcome: 'ok', exitCode: 0, startedAt: new Date(end.getTime() - 2500), endedAt: end, durationMs: 2500, details: {}, ...over });

describe('runSamples', () => {
  it('labels by command and kind, with the archive size and the newest backup age', () => {
    const samples = runSamples(run({ details: { kind: 'falkordb', bytes: 4096 } }), [{ kind: 'falkordb', createdAt: new Date(end.getTime() - 60_000) }], end);
    const text = renderMetrics(new Map(), samples);
    expect(text).toContain('autocodex_ops_last_run_success{command="backup",kind="falkordb"} 1\n');
    expect(text).toContain('autocodex_ops_last_run_duration_seconds{command="backup",kind="falkordb"} 2.5\n');
    expect(text).toContain(`autocodex_ops_last_success_timestamp_seconds{command="backup",kind="falkordb"} ${end.getTime() / 1000}\n`);
    expect(text).toContain('autocodex_ops_backup_last_archive_bytes{kind="falkordb"} 4096\n');
    expect(text).toContain('autocodex_ops_backup_newest_age_seconds{kind="falkordb"} 60\n');
  });

  it('a failed run sets success 0 and its exit code but keeps the last success time; healthcheck counts by status', () => {
    const first = renderMetrics(new Map(), runSamples(run({}), [], end));
    const later = new Date(end.getTime() + 86_400_000);
    const second = renderMetrics(parseSamples(first), runSamples(run({ outcome: 'failed', exitCode: 10, endedAt: later }), [], later));
    expect(second).toContain('autocodex_ops_last_run_exit_code{command="backup",kind="falkordb"} 10\n');
    expect(second).toContain(`autocodex_ops_last_success_timestamp_seconds{command="backup",kind="falkordb"} ${end.getTime() / 1000}\n`);
    const hc = renderMetrics(parseSamples(second), runSamples(run({ command: 'healthcheck', details: { profile: 'production', summary: { ok: 20, warn: 2, fail: 1, skip: 3 } } }), [], end));
    expect(hc).toContain('autocodex_ops_healthcheck_checks{profile="production",status="fail"} 1\n');
    expect(hc).toContain('autocodex_ops_last_run_exit_code{command="backup",kind="falkordb"} 10\n');
    expect(hc.match(/# TYPE autocodex_ops_last_run_success gauge/g)).toHaveLength(1);
  });
});

describe('updateMetricsFile', () => {
  it('merges with the earlier file, drops foreign lines, and leaves no temporary file (mode 0644)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-metrics-'));
    const path = join(dir, 'autocodex_ops.prom');
    await updateMetricsFile(path, runSamples(run({ command: 'backup userdata', details: { kind: 'userdata', bytes: 10 } }), [], end));
    await updateMetricsFile(path, runSamples(run({}), [], end));
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('kind="userdata"');
    expect(text).toContain('kind="falkordb"');
    expect(readdirSync(dir)).toEqual(['autocodex_ops.prom']);
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('concurrent updates keep every run\'s series (the lock beside the file), and the lock is gone afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-metrics-'));
    const path = join(dir, 'autocodex_ops.prom');
    const commands = Array.from({ length: 12 }, (_, i) => `backup k${i}`);
    await Promise.all(commands.map((command, i) => updateMetricsFile(path, runSamples(run({ command, details: { kind: `k${i}` } }), [], end))));
    const text = readFileSync(path, 'utf8');
    for (let i = 0; i < commands.length; i++) expect(text).toContain(`autocodex_ops_last_run_success{command="backup",kind="k${i}"} 1`);
    expect(readdirSync(dir)).toEqual(['autocodex_ops.prom']);
  });

  it('never reads or writes through a symlink at the file\'s name: refused, the link and its target unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-metrics-'));
    const victim = join(dir, 'victim.conf');
    writeFileSync(victim, 'keep me\n');
    const path = join(dir, 'autocodex_ops.prom');
    symlinkSync(victim, path);
    await expect(updateMetricsFile(path, runSamples(run({}), [], end))).rejects.toThrow(/is a symbolic link; it was not followed/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['autocodex_ops.prom', 'victim.conf']);
  });

  it('a missing collector folder is an error, not created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-metrics-'));
    await expect(updateMetricsFile(join(dir, 'nope', 'a.prom'), runSamples(run({}), [], end))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
