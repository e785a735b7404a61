import { describe, expect, it } from 'vitest';
import { InterruptedError, throwIfAborted } from '../../../../src/core/errors.js';
import type { FakeContainerInit } from '../../../helpers/fake-docker.js';
import { FakeDocker } from '../../../helpers/fake-docker.js';
import { ContainerNotReadyError, waitHealthy } from '../../../../src/core/docker/wait-healthy.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

const fakeClock = () => new FakeClock(undefined, 1_000_000);

const setup = (container: Partial<FakeContainerInit>) => {
  const docker = new FakeDocker({ containers: [{ name: 'falkor', id: 'f', ...container }] });
  return { docker, clock: fakeClock() };
};

describe('waitHealthy', () => {
  it('polls through "starting" until healthy', async () => {
    const { docker, clock } = setup({ healthSequence: ['starting', 'starting', 'healthy'] });
    const result = await waitHealthy(docker, 'f', { clock, pollMs: 500, timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'healthy', waitedMs: 1000 });
    expect(clock.sleeps).toEqual([500, 500]);
  });

  it('accepts a running container without a healthcheck and says so', async () => {
    const { docker, clock } = setup({ health: 'none' });
    expect(await waitHealthy(docker, 'f', { clock })).toMatchObject({ status: 'running-no-healthcheck', waitedMs: 0 });
  });

  it('keeps waiting while the container is created or restarting', async () => {
    const { docker, clock } = setup({ running: false, state: 'created' });
    let polls = 0;
    const inspect = docker.inspectContainer.bind(docker);
    docker.inspectContainer = async (id, o) => {
      polls += 1;
      if (polls === 2) docker.container('f').state = 'restarting';
      if (polls === 3) Object.assign(docker.container('f'), { state: 'running', running: true });
      return inspect(id, o);
    };
    expect(await waitHealthy(docker, 'f', { clock, pollMs: 100 })).toMatchObject({ status: 'running-no-healthcheck', waitedMs: 200 });
  });

  it('fails at once on unhealthy, with the log tail in error.logs and not in the message', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i} password=hunter2`).join('\n');
    const { docker, clock } = setup({ healthSequence: ['starting', 'unhealthy'], logs: lines });
    const error = (await waitHealthy(docker, 'f', { clock }).catch((e: unknown) => e)) as ContainerNotReadyError;
    expect(error).toBeInstanceOf(ContainerNotReadyError);
    expect(error).toMatchObject({ reason: 'unhealthy', container: 'falkor', exitCode: 1, message: 'Container falkor is unhealthy' });
    expect(error.logs.split('\n')).toHaveLength(40);
    expect(error.logs).toContain('line 59');
    expect(error.message + (error.hint ?? '')).not.toContain('hunter2');
    expect(docker.callsTo('containerLogs')[0]?.[1]).toEqual({ tail: 40 });
  });

  it('fails at once when the container has exited, with its exit code', async () => {
    const { docker, clock } = setup({ running: false, state: 'exited', exitCode: 137 });
    await expect(waitHealthy(docker, 'f', { clock })).rejects.toMatchObject({ reason: 'exited', message: 'Container falkor exited with code 137' });
  });

  it('times out with the last status', async () => {
    const { docker, clock } = setup({ health: 'starting' });
    const error = (await waitHealthy(docker, 'f', { clock, timeoutMs: 5_000, pollMs: 2_000 }).catch((e: unknown) => e)) as ContainerNotReadyError;
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('Timed out after 5 s waiting for container falkor to become healthy (health: starting)');
    expect(clock.sleeps).toEqual([2000, 2000, 1000]);
  });

  it('reports a container that disappears', async () => {
    const { docker, clock } = setup({ health: 'starting' });
    const inspect = docker.inspectContainer.bind(docker);
    let n = 0;
    docker.inspectContainer = async (id, o) => (++n > 1 ? undefined : inspect(id, o));
    await expect(waitHealthy(docker, 'f', { clock })).rejects.toMatchObject({ reason: 'missing', logs: '' });
  });

  it('keeps the readiness error when the logs cannot be read', async () => {
    const { docker, clock } = setup({ health: 'unhealthy' });
    docker.failNext('containerLogs', new Error('log driver none'));
    await expect(waitHealthy(docker, 'f', { clock })).rejects.toMatchObject({ reason: 'unhealthy', logs: expect.stringContaining('log driver none') });
  });

  it('rejects with InterruptedError when aborted', async () => {
    const { docker, clock } = setup({ health: 'starting' });
    const controller = new AbortController();
    controller.abort();
    await expect(waitHealthy(docker, 'f', { clock, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    const later = new AbortController();
    // The abort comes during the sleep: the clock's own InterruptedError reaches the caller.
    clock.sleep = async (_ms, signal) => {
      later.abort();
      throwIfAborted(signal);
    };
    await expect(waitHealthy(docker, 'f', { clock, signal: later.signal })).rejects.toBeInstanceOf(InterruptedError);
  });
});
