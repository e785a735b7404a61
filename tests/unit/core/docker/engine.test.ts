import { describe, expect, it } from 'vitest';
import { InterruptedError, PrerequisiteError } from '../../../../src/core/errors.js';
import { engineUnreachable, toDockerError, DockerEngineError } from '../../../../src/core/docker/docker-errors.js';
import { engineVersion, pingEngine } from '../../../../src/core/docker/engine.js';
import { FakeDocker } from '../../../helpers/fake-docker.js';

describe('pingEngine', () => {
  it('resolves when the engine answers', async () => {
    await expect(pingEngine(new FakeDocker())).resolves.toBeUndefined();
  });

  it('turns a connection error into PrerequisiteError (exit 10) naming the endpoint, with a hint', async () => {
    const docker = new FakeDocker({
      endpoint: 'unix:///nope.sock',
      ping: Object.assign(new Error('connect ENOENT /nope.sock'), { code: 'ENOENT' }),
    });
    const error = (await pingEngine(docker).catch((e: unknown) => e)) as PrerequisiteError;
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect(error.exitCode).toBe(10);
    expect(error.message).toBe('Docker engine is not reachable at unix:///nope.sock: connect ENOENT /nope.sock');
    expect(error.hint).toMatch(/Start Docker.*DOCKER_HOST.*docker context ls/s);
  });

  it('passes through an adapter PrerequisiteError unchanged', async () => {
    const original = engineUnreachable('unix:///x', 'ECONNREFUSED');
    await expect(pingEngine(new FakeDocker({ ping: original }))).rejects.toBe(original);
  });

  it('times out a hanging engine', async () => {
    const started = Date.now();
    const docker = new FakeDocker({ endpoint: 'tcp://10.255.255.1:2375', ping: 'hang' });
    await expect(pingEngine(docker, { timeoutMs: 50 })).rejects.toThrow(
      'Docker engine is not reachable at tcp://10.255.255.1:2375: no answer within 50 ms',
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect((docker.callsTo('ping')[0]?.[0] as { signal: AbortSignal }).signal.aborted).toBe(true);
  });

  it('rejects with InterruptedError when the run is aborted', async () => {
    const controller = new AbortController();
    const pending = pingEngine(new FakeDocker({ ping: 'hang' }), { signal: controller.signal, timeoutMs: 5_000 });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe('engineVersion', () => {
  it('returns engine and API versions', async () => {
    expect(await engineVersion(new FakeDocker())).toMatchObject({ version: '20.10.24', apiVersion: '1.41' });
  });
});

describe('toDockerError', () => {
  it('maps connection failures, aborts and HTTP errors', () => {
    const refused = toDockerError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'x', 'tcp://h:1');
    expect(refused).toBeInstanceOf(PrerequisiteError);
    const aborted = toDockerError(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }), 'x', 'e');
    expect(aborted).toBeInstanceOf(InterruptedError);
    const http = toDockerError(
      Object.assign(new Error('(HTTP code 409) conflict'), { statusCode: 409, json: { message: 'name in use' } }),
      'Creating helper failed',
      'e',
    );
    expect(http).toBeInstanceOf(DockerEngineError);
    expect(http).toMatchObject({ message: 'Creating helper failed: name in use', statusCode: 409, exitCode: 1 });
  });
});
