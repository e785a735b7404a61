import { rm, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAuditRecord } from '../../../../src/core/audit/append.js';
import { filterEntries, parseSince, readTrail, type TrailEntry } from '../../../../src/core/audit/show.js';
import { renderTable, summariseDetails } from '../../../../src/output/audit.js';
import { UsageError } from '../../../../src/core/errors.js';
import { entry, trailDir } from '../../../helpers/audit.js';

let dir: string;
let path: string;
beforeEach(async () => {
  ({ dir, path } = await trailDir());
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW = new Date('2025-01-10T12:00:00Z');

describe('parseSince', () => {
  it.each([
    ['7d', '2025-01-03T12:00:00.000Z'],
    ['12h', '2025-01-10T00:00:00.000Z'],
    ['30m', '2025-01-10T11:30:00.000Z'],
    ['90s', '2025-01-10T11:58:30.000Z'],
    ['2w', '2024-12-27T12:00:00.000Z'],
    ['2025-01-05', '2025-01-05T00:00:00.000Z'],
    ['2025-01-05T06:00:00Z', '2025-01-05T06:00:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseSince(text, NOW).toISOString()).toBe(iso);
  });
  it('rejects anything else with a usage error', () => {
    expect(() => parseSince('last tuesday', NOW)).toThrow(UsageError);
    expect(() => parseSince('7y', NOW)).toThrow(UsageError);
  });
});

describe('readTrail + filterEntries', () => {
  beforeEach(async () => {
    const rows = [
      entry(1, { time: '2025-01-01T00:00:00.000Z', command: 'backup falkordb' }),
      entry(2, { time: '2025-01-05T00:00:00.000Z', command: 'backup prune', outcome: 'failed', exitCode: 1, error: 'disk full' }),
      entry(3, { time: '2025-01-08T00:00:00.000Z', command: 'restore falkordb', outcome: 'interrupted', exitCode: 130 }),
      entry(4, { time: '2025-01-09T00:00:00.000Z', command: 'healthcheck', details: { failedChecks: ['falkordb-auth', 'sandbox'] } }),
    ];
    for (const e of rows) await appendAuditRecord(e, { path, maxBytes: 1200, backups: 0 });
  });

  it('reads rotated files in order, newest last', async () => {
    const trail = await readTrail(path);
    expect(trail.files.length).toBeGreaterThan(1);
    expect(trail.entries.map((e) => (e as { seq: number }).seq)).toEqual([1, 2, 3, 4]);
    expect(trail.unreadable).toEqual([]);
  });

  it('filters by since, command (with subcommands), outcome and limit', async () => {
    const { entries } = await readTrail(path);
    const cmds = (f: Parameters<typeof filterEntries>[1]) => filterEntries(entries, f).map((e) => (e as { command: string }).command);
    expect(cmds({ since: new Date('2025-01-06T00:00:00Z') })).toEqual(['restore falkordb', 'healthcheck']);
    expect(cmds({ command: 'backup' })).toEqual(['backup falkordb', 'backup prune']);
    expect(cmds({ command: 'backup prune' })).toEqual(['backup prune']);
    expect(cmds({ command: 'back' })).toEqual([]);
    expect(cmds({ outcome: 'failed' })).toEqual(['backup prune', 'restore falkordb']);
    expect(cmds({ outcome: 'interrupted' })).toEqual(['restore falkordb']);
    expect(cmds({ outcome: 'ok', limit: 1 })).toEqual(['healthcheck']);
  });

  it('renders a table with time, user, command, outcome, duration and details', async () => {
    const text = renderTable((await readTrail(path)).entries);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^TIME\s+USER\s+COMMAND\s+OUTCOME\s+DURATION\s+DETAILS$/);
    expect(lines[2]).toContain('2025-01-05 00:00:00Z  ops');
    expect(lines[2]).toMatch(/backup prune\s+failed \(1\)\s+20 ms\s+archive=\/srv\/backups\/falkordb_data_2\.tar\.gz error: disk full/);
    expect(lines[4]).toContain('failedChecks=falkordb-auth+sandbox');
  });

  it('reads the legacy pipe format and skips lines in neither format', async () => {
    await writeFile(path, '2025-01-02T10:00:00|BLOCKED|bash|denied|a | b\nnot a line\n{"v":1}\n');
    const trail = await readTrail(path);
    const legacy = trail.entries.filter((e): e is Extract<TrailEntry, { format: 'legacy' }> => 'format' in e);
    expect(legacy).toHaveLength(1);
    expect(legacy[0]?.command).toBe('a | b');
    expect(trail.unreadable.map((u) => u.line)).toEqual([2, 3]);
    expect(filterEntries(trail.entries, { outcome: 'failed', command: 'bash' })).toHaveLength(1);
    expect(renderTable(legacy)).toContain('[app] bash: a | b  BLOCKED');
  });

  it('a missing trail is empty', async () => {
    expect(await readTrail(`${dir}/none.jsonl`)).toEqual({ files: [], entries: [], unreadable: [] });
  });
});

describe('summariseDetails', () => {
  it('shortens hashes, joins lists and clips long text', () => {
    expect(summariseDetails({ sha256: 'a'.repeat(64), pruned: [], tags: ['v1', 'v2'] })).toBe('sha256=aaaaaaaaaaaa… pruned=(none) tags=v1+v2');
    expect(summariseDetails({ note: 'x'.repeat(300) }, 20)).toHaveLength(20);
  });
});
