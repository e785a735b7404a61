import { describe, expect, it } from 'vitest';
import {
  chooseServiceContainer,
  findFalkorDbContainer,
  findGraphitiMcpContainer,
  findServiceContainer,
} from '../../../../src/core/docker/containers.js';
import { composeLabels, FakeDocker, fakeContainer } from '../../../helpers/fake-docker.js';

describe('findServiceContainer', () => {
  it('prefers the compose-labelled container over one with the default name', async () => {
    const docker = new FakeDocker({
      containers: [
        { name: 'auto-codex-falkordb', id: 'by-name' },
        { name: 'auto-codex-falkordb-1', id: 'by-label', labels: composeLabels('falkordb') },
      ],
    });
    const found = await findFalkorDbContainer(docker);
    expect(found).toMatchObject({ matchedBy: 'labels', container: { id: 'by-label' } });
    expect(docker.callsTo('listContainers')[0]?.[0]).toEqual({
      labels: ['com.docker.compose.project=auto-codex', 'com.docker.compose.service=falkordb'],
    });
  });

  it('falls back to the exact container name, stopped containers included', async () => {
    const docker = new FakeDocker({
      containers: [
        { name: 'auto-codex-falkordb-old', id: 'similar' },
        { name: 'auto-codex-falkordb', id: 'exact', running: false },
      ],
    });
    expect(await findFalkorDbContainer(docker)).toMatchObject({ matchedBy: 'name', container: { id: 'exact', running: false } });
  });

  it('does not accept a label match from another compose project', async () => {
    const docker = new FakeDocker({
      containers: [{ name: 'other-falkordb-1', labels: composeLabels('falkordb', 'other') }],
    });
    expect(await findFalkorDbContainer(docker)).toBeUndefined();
    expect(await findFalkorDbContainer(docker, { project: 'other' })).toMatchObject({ matchedBy: 'labels' });
  });

  it('honours container-name overrides (FALKORDB_CONTAINER_NAME, GRAPHITI_MCP_CONTAINER_NAME)', async () => {
    const docker = new FakeDocker({
      containers: [
        { name: 'auto-codex-falkordb', id: 'default' },
        { name: 'my-falkor', id: 'custom' },
        { name: 'my-mcp', id: 'mcp' },
      ],
    });
    expect((await findFalkorDbContainer(docker, { containerName: 'my-falkor' }))?.container.id).toBe('custom');
    expect((await findGraphitiMcpContainer(docker, { containerName: 'my-mcp' }))?.container.id).toBe('mcp');
    expect(await findGraphitiMcpContainer(docker)).toBeUndefined();
  });

  it('finds Graphiti MCP by its compose service label', async () => {
    const docker = new FakeDocker({
      containers: [{ name: 'whatever', id: 'mcp', labels: composeLabels('graphiti-mcp') }],
    });
    expect(await findServiceContainer(docker, { service: 'graphiti-mcp', containerName: 'x' })).toMatchObject({
      matchedBy: 'labels',
      container: { id: 'mcp' },
    });
  });
});

describe('chooseServiceContainer', () => {
  const base = composeLabels('falkordb');
  it('prefers a service container over a one-off, running over stopped, the configured name, then the newest', () => {
    const oneOff = fakeContainer({ name: 'run-1', labels: { ...base, 'com.docker.compose.oneoff': 'True' } });
    const stopped = fakeContainer({ name: 'a', labels: base, running: false });
    const runningOld = fakeContainer({ name: 'b', labels: base, created: '2025-01-01T00:00:00.5Z' });
    const runningNew = fakeContainer({ name: 'c', labels: base, created: '2025-01-02T00:00:00.123456789Z' });
    const preferred = fakeContainer({ name: 'auto-codex-falkordb', labels: base, created: '2024-01-01T00:00:00Z' });
    expect(chooseServiceContainer([oneOff, stopped], 'x')?.name).toBe('a');
    expect(chooseServiceContainer([stopped, runningOld], 'x')?.name).toBe('b');
    expect(chooseServiceContainer([runningOld, runningNew], 'x')?.name).toBe('c');
    expect(chooseServiceContainer([runningNew, preferred], 'auto-codex-falkordb')?.name).toBe('auto-codex-falkordb');
    expect(chooseServiceContainer([], 'x')).toBeUndefined();
  });
});
