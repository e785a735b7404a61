import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileImageHistory, HISTORY_LIMIT, imageHistoryPath, previousEntry, recordPair, type HistoryEntry } from '../../../../src/core/stack/image-history.js';
import { tagDirection, tagProblem } from '../../../../src/core/stack/image-tags.js';
import { observeRunningPair } from '../../../../src/core/stack/observe-pair.js';
import { listImageHistory } from '../../../../src/core/rollback/run-images-rollback.js';
import { composeLabels, FakeDocker } from '../../../helpers/fake-docker.js';

const roots: string[] = [];
const newRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'aco-hist-'));
  roots.push(root);
  return root;
};
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
const e = (f: string, g: string): HistoryEntry => ({ falkordbTag: f, graphitiTag: g, recordedAt: at(0).toISOString(), source: 'observed' });

describe('image history file', () => {
  it('starts empty, records a new pair once, and keeps the checkout clean', async () => {
    const root = newRoot();
    const store = fileImageHistory(imageHistoryPath(root));
    expect(await store.read()).toEqual({ entries: [] });
    expect(await recordPair(store, { falkordb: 'v1', graphiti: 'g1', falkordbImageId: 'sha256:a' }, 'healthcheck', at(1))).toBe(true);
    expect(await recordPair(store, { falkordb: 'v1', graphiti: 'g1' }, 'backup', at(2))).toBe(false);
    expect(await recordPair(store, { falkordb: 'v2', graphiti: 'g1' }, 'rollback', at(3))).toBe(true);
    const { entries } = await store.read();
    expect(entries).toEqual([
      { falkordbTag: 'v1', graphitiTag: 'g1', falkordbImageId: 'sha256:a', recordedAt: at(1).toISOString(), source: 'healthcheck' },
      { falkordbTag: 'v2', graphitiTag: 'g1', recordedAt: at(3).toISOString(), source: 'rollback' },
    ]);
    const dir = dirname(store.path);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('*\n');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('moves a corrupt file aside and starts again', async () => {
    const root = newRoot();
    const path = imageHistoryPath(root);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"version":1,"entries":[{"oops":');
    const store = fileImageHistory(path, () => at(9));
    expect((await store.read()).problem).toBe('is not valid JSON');
    await recordPair(store, { falkordb: 'v1', graphiti: 'g1' }, 'observed', at(10));
    expect((await store.read()).entries).toHaveLength(1);
    expect(existsSync(`${path}.corrupt-20250101_000009`)).toBe(true);
  });

  it(`keeps the newest ${HISTORY_LIMIT} entries`, async () => {
    const store = fileImageHistory(imageHistoryPath(newRoot()));
    await store.write(Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) => e(`v${i}`, 'g')));
    const { entries } = await store.read();
    expect(entries).toHaveLength(HISTORY_LIMIT);
    expect(entries[0]?.falkordbTag).toBe('v5');
  });

  it('previousEntry is the newest pair that differs from the current one', () => {
    const entries = [e('v1', 'g1'), e('v2', 'g2'), e('v1', 'g1'), e('v3', 'g3')];
    expect(previousEntry(entries, { falkordb: 'v3', graphiti: 'g3' })).toBe(entries[2]);
    expect(previousEntry(entries, { falkordb: 'v1', graphiti: 'g1' })).toBe(entries[3]);
    expect(previousEntry([e('v1', 'g1')], { falkordb: 'v1', graphiti: 'g1' })).toBeUndefined();
  });

  it('--list marks the newest entry equal to the configured pair; a corrupt file is exit 2', async () => {
    const root = newRoot();
    const store = fileImageHistory(imageHistoryPath(root));
    await store.write([e('v1', 'g1'), e('v2', 'g2'), e('v1', 'g1')]);
    const list = await listImageHistory(store, { falkordb: 'v1', graphiti: 'g1' });
    expect(list.entries.map((x) => x.current)).toEqual([false, false, true]);
    writeFileSync(store.path, 'nope');
    await expect(listImageHistory(store, {})).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('observeRunningPair (for healthcheck and backup)', () => {
  const running = (f: string, g: string, mcpRunning = true) =>
    new FakeDocker({
      containers: [
        { name: 'auto-codex-falkordb', image: `falkordb/falkordb:${f}`, imageId: 'sha256:ff', labels: composeLabels('falkordb') },
        { name: 'auto-codex-graphiti-mcp', image: `falkordb/graphiti-knowledge-graph-mcp:${g}`, imageId: 'sha256:gg', labels: composeLabels('graphiti-mcp'), running: mcpRunning },
      ],
    });
  const config = (root: string) => ({ root, composeProject: 'auto-codex', falkordb: { containerName: 'auto-codex-falkordb' }, graphitiMcp: { containerName: 'auto-codex-graphiti-mcp' } });

  it('records the running pair with its image ids when it is new, and not again', async () => {
    const root = newRoot();
    const first = await observeRunningPair(running('v4.2.1', '0.4.0'), config(root), { source: 'healthcheck', now: at(1) });
    expect(first).toMatchObject({ recorded: true, pair: { falkordb: 'v4.2.1', graphiti: '0.4.0', falkordbImageId: 'sha256:ff' } });
    expect((await observeRunningPair(running('v4.2.1', '0.4.0'), config(root), { source: 'backup' }))?.recorded).toBe(false);
  });

  it('records nothing unless both services run', async () => {
    const root = newRoot();
    expect(await observeRunningPair(running('v4.2.1', '0.4.0', false), config(root), { source: 'healthcheck' })).toBeUndefined();
    expect(existsSync(imageHistoryPath(root))).toBe(false);
  });
});

describe('tags', () => {
  it.each([
    ['v4.2.1', undefined],
    ['4.2.1-alpine', undefined],
    ['latest', "'latest' is not a pinned tag; name the version to deploy"],
    ['-bad', expect.stringContaining('not a valid image tag')],
    ['a b', expect.stringContaining('not a valid image tag')],
    ['x'.repeat(129), expect.stringContaining('not a valid image tag')],
  ])('tagProblem(%s)', (tag, problem) => {
    expect(tagProblem(tag)).toEqual(problem);
  });

  it.each([
    ['v4.2.1', 'v4.1.0', 'down'],
    ['v4.1.0', 'v4.2.1', 'up'],
    ['edge', 'v4.1.0', 'unknown'],
    ['4.2.1-alpine', '4.2.1', 'unknown'],
    ['aco-test-k3x9-v2', 'aco-test-k3x9-v1', 'down'],
    ['v1', 'v1', 'same'],
  ])('tagDirection(%s, %s) = %s', (from, to, dir) => {
    expect(tagDirection(from, to)).toBe(dir);
  });
});
