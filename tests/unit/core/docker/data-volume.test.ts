import { describe, expect, it } from 'vitest';
import { PrerequisiteError } from '../../../../src/core/errors.js';
import {
  DEFAULT_FALKORDB_VOLUME,
  findDataVolume,
  requireVolume,
  selectDataVolume,
  volumeExists,
} from '../../../../src/core/docker/data-volume.js';
import type { MountInfo } from '../../../../src/core/docker/docker.js';
import { FakeDocker } from '../../../helpers/fake-docker.js';

const volumeAt = (name: string, destination: string): MountInfo => ({
  type: 'volume',
  name,
  source: `/var/lib/docker/volumes/${name}/_data`,
  destination,
  readOnly: false,
});

describe('selectDataVolume', () => {
  it.each([
    {
      name: 'volume at /var/lib/falkordb/data',
      mounts: [volumeAt('vol-new', '/var/lib/falkordb/data')],
      expected: { from: 'mount', kind: 'volume', name: 'vol-new', destination: '/var/lib/falkordb/data' },
    },
    {
      name: 'volume at /data (the compose file of Auto-Codex)',
      mounts: [volumeAt('auto-codex_falkordb_data', '/data/')],
      expected: { from: 'mount', kind: 'volume', name: 'auto-codex_falkordb_data', destination: '/data' },
    },
    {
      name: 'both: the real data path wins',
      mounts: [volumeAt('legacy', '/data'), volumeAt('real', '/var/lib/falkordb/data')],
      expected: { name: 'real', destination: '/var/lib/falkordb/data' },
    },
    {
      name: 'bind mount at the data path',
      mounts: [{ type: 'bind', source: '/srv/falkor', destination: '/var/lib/falkordb/data', readOnly: false }],
      expected: { from: 'mount', kind: 'bind', source: '/srv/falkor', destination: '/var/lib/falkordb/data' },
    },
    {
      name: 'no data mount: the configured name',
      mounts: [volumeAt('logs', '/logs')],
      expected: { from: 'config', kind: 'volume', name: 'my_volume' },
    },
  ])('$name', ({ mounts, expected }) => {
    expect(selectDataVolume({ mounts }, 'my_volume')).toMatchObject({ ...expected, configuredName: 'my_volume' });
  });

  it('uses auto-codex_falkordb_data without a container or a configured name', () => {
    expect(selectDataVolume(undefined)).toEqual({
      from: 'config',
      kind: 'volume',
      name: DEFAULT_FALKORDB_VOLUME,
      configuredName: DEFAULT_FALKORDB_VOLUME,
    });
    expect(selectDataVolume(undefined, '')).toMatchObject({ name: 'auto-codex_falkordb_data' });
  });
});

describe('findDataVolume / volumeExists / requireVolume', () => {
  it('reports whether the selected volume exists and never creates it', async () => {
    const docker = new FakeDocker({ volumes: ['present'] });
    expect(await findDataVolume(docker, { container: { mounts: [volumeAt('present', '/data')] } })).toMatchObject({
      name: 'present',
      exists: true,
      volume: { name: 'present' },
    });
    expect(await findDataVolume(docker, { configuredName: 'absent' })).toMatchObject({ name: 'absent', exists: false });
    expect(await volumeExists(docker, 'absent')).toBe(false);
    await expect(requireVolume(docker, 'absent')).rejects.toBeInstanceOf(PrerequisiteError);
    await expect(requireVolume(docker, 'absent')).rejects.toMatchObject({ exitCode: 10, message: 'Docker volume absent does not exist' });
    expect(docker.volumes.has('absent')).toBe(false);
  });
});
