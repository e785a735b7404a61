import { describe, expect, it } from 'vitest';
import { assess } from '../../../../src/core/harden/assess.js';
import { undoJournal, HARDENED_LABEL, type HardenDocker } from '../../../../src/core/harden/run-harden.js';
import { FakeDocker, fakeContainer } from '../../../helpers/fake-docker.js';

const client = (config: Record<string, string>) => ({ configGet: async (name: string) => config[name] });
const at = (destination: string) => [{ type: 'volume', name: 'auto-codex_falkordb_data', source: '', destination, readOnly: false }];
const loopback = [{ containerPort: 6379, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 6380 }];

describe('assess', () => {
  it('the UI trap: volume on /data, server writing to /var/lib/falkordb/data', async () => {
    const c = fakeContainer({ name: 'auto-codex-falkordb', image: 'falkordb/falkordb:v4.2.1', mounts: at('/data'), ports: loopback });
    const a = await assess(c, 'ui', client({ dir: '/var/lib/falkordb/data', appendonly: 'yes' }), false);
    expect(a).toMatchObject({ trapped: true, trapVolume: 'auto-codex_falkordb_data', hostPort: 6380, dataDir: '/var/lib/falkordb/data' });
    expect(a.findings.map((f) => f.id)).toEqual(['data-in-layer', 'auth']);
    expect(a.findings[0]!.message).toMatch(/volume auto-codex_falkordb_data is on \/data/);
  });

  it('hardened: nothing found', async () => {
    const c = fakeContainer({ name: 'f', image: 'falkordb/falkordb:v4.2.1', mounts: at('/var/lib/falkordb/data'), ports: loopback });
    expect((await assess(c, 'ui', client({ dir: '/var/lib/falkordb/data', appendonly: 'yes' }), true)).findings).toEqual([]);
  });

  it('an old image that writes to /data is not trapped; AOF off, 0.0.0.0 and latest are findings', async () => {
    const c = fakeContainer({ name: 'f', image: 'falkordb/falkordb', mounts: at('/data'), ports: [{ ...loopback[0]!, hostIp: '0.0.0.0' }] });
    const a = await assess(c, 'compose', client({ dir: '/data', appendonly: 'no' }), true);
    expect(a.trapped).toBe(false);
    expect(a.findings.map((f) => f.id)).toEqual(['appendonly', 'exposure', 'image-tag']);
  });
});

describe('undoJournal', () => {
  it('removes a half-made new container holding the name, renames the old one back and starts it', async () => {
    const docker = new FakeDocker({ containers: [{ id: 'old', name: 'f-pre-harden-20250101_000000', running: false }, { id: 'new', name: 'f', running: false, labels: { [HARDENED_LABEL]: 'x' } }] });
    await undoJournal(docker as unknown as HardenDocker, { startedAt: 'x', old: { id: 'old', name: 'f', renamedTo: 'f-pre-harden-20250101_000000' }, edits: [], rescued: '/b.tar.gz' });
    expect(await docker.inspectContainer('new')).toBeUndefined();
    expect(await docker.inspectContainer('old')).toMatchObject({ name: 'f', running: true });
  });

  it('names what it could not put back and how to do it by hand', async () => {
    const docker = new FakeDocker({ containers: [] });
    await expect(undoJournal(docker as unknown as HardenDocker, { startedAt: 'x', old: { id: 'gone', name: 'f', renamedTo: 'f-pre' }, edits: [], rescued: '/b.tar.gz' })).rejects.toMatchObject({
      message: expect.stringMatching(/putting container f back: it no longer exists/),
      hint: expect.stringMatching(/docker rename f-pre f.*\/b\.tar\.gz/),
    });
  });
});
