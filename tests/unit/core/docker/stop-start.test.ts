import { describe, expect, it } from 'vitest';
import { InterruptedError, OpsError } from '../../../../src/core/errors.js';
import { startContainers, stopContainers } from '../../../../src/core/docker/stop-start.js';
import { FakeDocker } from '../../../helpers/fake-docker.js';

const stack = () =>
  new FakeDocker({
    containers: [
      { name: 'falkordb', id: 'falkor' },
      { name: 'graphiti-mcp', id: 'mcp' },
      { name: 'idle', id: 'idle', running: false },
    ],
  });

const starts = (docker: FakeDocker) => docker.callsTo('startContainer').map((args) => args[0]);
const stops = (docker: FakeDocker) => docker.callsTo('stopContainer').map((args) => args[0]);

describe('stopContainers', () => {
  it('stops dependents first and the undo restarts in dependency order', async () => {
    const docker = stack();
    const result = await stopContainers(docker, ['falkor', 'mcp'], { timeoutSeconds: 7 });
    expect(stops(docker)).toEqual(['mcp', 'falkor']);
    expect(docker.callsTo('stopContainer')[0]?.[1]).toEqual({ timeoutSeconds: 7 });
    expect(result.stopped).toEqual(['falkor', 'mcp']);
    expect(docker.container('falkor').running).toBe(false);

    await result.undo();
    expect(starts(docker)).toEqual(['falkor', 'mcp']);
    expect(docker.container('mcp').running).toBe(true);
  });

  it('leaves containers that were not running alone, and the undo does not start them', async () => {
    const docker = stack();
    const result = await stopContainers(docker, ['idle', 'falkor', 'gone']);
    expect(result).toMatchObject({ stopped: ['falkor'], skipped: ['idle', 'gone'] });
    expect(stops(docker)).toEqual(['falkor']);
    await result.undo();
    expect(starts(docker)).toEqual(['falkor']);
    expect(docker.container('idle').running).toBe(false);
  });

  it('the undo runs once', async () => {
    const docker = stack();
    const { undo } = await stopContainers(docker, ['falkor']);
    await undo();
    await undo();
    expect(starts(docker)).toEqual(['falkor']);
  });

  it('restarts what it stopped when a later stop fails, then rejects', async () => {
    const docker = stack().failNext('stopContainer', new OpsError('boom'), ([id]) => id === 'falkor');
    await expect(stopContainers(docker, ['falkor', 'mcp'])).rejects.toThrow('boom');
    expect(starts(docker)).toEqual(['mcp']);
    expect(docker.container('mcp').running).toBe(true);
  });

  it('joins a failed restart into the error', async () => {
    const docker = stack()
      .failNext('stopContainer', new OpsError('stop failed'), ([id]) => id === 'falkor')
      .failNext('startContainer', new OpsError('start failed'));
    const error = await stopContainers(docker, ['falkor', 'mcp']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as Error).message).toMatch(/stop failed; restarting the containers stopped so far also failed: .*start failed/);
    expect((error as Error).cause).toBeInstanceOf(AggregateError);
  });

  it('on abort between steps restarts what it stopped and rejects with InterruptedError', async () => {
    const docker = stack();
    const controller = new AbortController();
    const origStop = docker.stopContainer.bind(docker);
    docker.stopContainer = async (id, options) => {
      await origStop(id, options);
      controller.abort();
    };
    await expect(stopContainers(docker, ['falkor', 'mcp'], { signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(stops(docker)).toEqual(['mcp']);
    expect(docker.container('mcp').running).toBe(true);
    expect(docker.container('falkor').running).toBe(true);
  });
});

describe('startContainers', () => {
  it('tries every container and lists each failure', async () => {
    const docker = stack().failNext('startContainer', new OpsError('no luck'), ([id]) => id === 'falkor');
    const error = await startContainers(docker, ['falkor', 'mcp']).catch((e: unknown) => e);
    expect(starts(docker)).toEqual(['falkor', 'mcp']);
    expect((error as OpsError).message).toBe('Could not start 1 of 2 container(s): falkor: no luck');
    expect((error as OpsError).hint).toContain('docker start falkor');
  });
});
