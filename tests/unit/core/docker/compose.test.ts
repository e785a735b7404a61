import { describe, expect, it } from 'vitest';
import { detectCompose, parseComposeVersion } from '../../../../src/core/docker/compose.js';
import { FakeExec } from '../../../helpers/fake-exec.js';

describe('detectCompose', () => {
  it('prefers the v2 plugin', async () => {
    const exec = new FakeExec({ 'docker compose version': { stdout: 'Docker Compose version v2.29.1\n' } });
    expect(await detectCompose({ exec })).toEqual({ command: ['docker', 'compose'], version: '2.29.1', major: 2 });
    expect(exec.calls).toEqual(['docker compose version']);
  });

  it('falls back to docker-compose v1', async () => {
    const exec = new FakeExec({
      'docker compose version': { exitCode: 1, stderr: "docker: 'compose' is not a docker command." },
      'docker-compose version': { stdout: 'docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3\n' },
    });
    expect(await detectCompose({ exec })).toEqual({ command: ['docker-compose'], version: '1.29.2', major: 1 });
  });

  it('returns undefined when neither works', async () => {
    expect(await detectCompose({ exec: new FakeExec({ 'docker-compose version': 'notFound' }) })).toBeUndefined();
    expect(await detectCompose({ exec: new FakeExec({ 'docker-compose version': { exitCode: 0, stdout: 'garbage' } }) })).toBeUndefined();
  });
});

describe('parseComposeVersion', () => {
  it.each([
    ['Docker Compose version v2.29.1', '2.29.1'],
    ['Docker Compose version 2.24.6+ds1-0+deb12u1', '2.24.6+ds1-0+deb12u1'],
    ['docker-compose version 1.29.2, build 5becea4c', '1.29.2'],
    ['nothing here', undefined],
  ])('%s', (output, expected) => {
    expect(parseComposeVersion(output)).toBe(expected);
  });
});
