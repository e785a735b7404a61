import { describe, expect, it } from 'vitest';
import type { ManifestView } from '../../../../src/core/backup-store/manifest.js';
import { manualRestoreCommand } from '../../../../src/core/restore/falkordb-rollback.js';
import { expectedData } from '../../../../src/core/restore/falkordb-plan.js';
import { buildWarnings } from '../../../../src/core/restore/falkordb-target.js';
import { fakeContainer } from '../../../helpers/fake-docker.js';

const manifest = (over: Record<string, unknown> = {}) =>
  ({ formatVersion: 1, kind: 'falkordb', createdAt: '2025-01-01T00:00:00Z', archive: { file: 'a', sha256: 'a'.repeat(64), compressedBytes: 1, uncompressedBytes: 1, entries: 1 }, ...over }) as ManifestView;

describe('buildWarnings', () => {
  const container = fakeContainer({ name: 'auto-codex-falkordb', image: 'falkordb/falkordb:v4.2', imageId: 'sha256:bbbbbbbbbbbbbbbbbbbbbbbb' });
  it('is silent when image and module match', () => {
    expect(buildWarnings(manifest({ source: { container: { imageId: container.imageId } }, server: { modules: [{ name: 'graph', version: '40200' }] } }), container, '40200')).toEqual([]);
  });
  it('warns about another image and another module version', () => {
    const w = buildWarnings(manifest({ source: { container: { imageId: 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaa', image: 'falkordb/falkordb:v4.0' } }, server: { modules: [{ name: 'graph', version: '40000' }] } }), container, '40200');
    expect(w).toEqual([expect.stringContaining('made by FalkorDB image falkordb/falkordb:v4.0'), 'The archive was made with FalkorDB module version 40000, the running server has 40200: an RDB from another module build may not load.']);
  });
  it('says nothing can be compared without a manifest', () => {
    expect(buildWarnings(undefined, container, undefined)).toEqual([expect.stringContaining('has no manifest')]);
  });
});

describe('expectedData', () => {
  it('reads keys and graphs, lenient for live mode', () => {
    expect(expectedData(manifest({ server: { keys: 4, graphs: ['g1'] } }))).toEqual({ keys: 4, graphs: ['g1'] });
    expect(expectedData(manifest({ mode: 'live', server: { keys: 4 } }))).toEqual({ keys: 4, lenient: true });
    expect(expectedData(undefined)).toEqual({});
  });
});

describe('manualRestoreCommand', () => {
  it('quotes every value and passes the file name as $1, never inside the script', () => {
    expect(manualRestoreCommand({ volume: 'my vol', archive: "/b k/it's.tar.gz", image: 'sha256:abc', start: ['f'] })).toBe(
      "docker run --rm --network none --entrypoint sh -v 'my vol:/data' -v '/b k:/backup:ro' 'sha256:abc' -c 'rm -rf /data/* /data/.[!.]* /data/..?* && tar -xzf \"/backup/$1\" -C /data' _ 'it'\\''s.tar.gz' && docker start 'f'",
    );
  });
});
