import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import {
  describeEndpoint,
  parseDockerHost,
  resolveDockerEndpoint,
  type EndpointInputs,
} from '../../../../src/core/docker/endpoint.js';

const HOME = '/home/ada';
const hash = (name: string) => createHash('sha256').update(name).digest('hex');
const meta = (name: string, host: string, configDir = `${HOME}/.docker`) => ({
  [`${configDir}/contexts/meta/${hash(name)}/meta.json`]: JSON.stringify({
    Name: name,
    Metadata: {},
    Endpoints: { docker: { Host: host, SkipTLSVerify: false } },
  }),
});

function inputs(env: Record<string, string>, files: Record<string, string> = {}, platform: NodeJS.Platform = 'linux'): EndpointInputs {
  return {
    env,
    homedir: HOME,
    platform,
    readFile: async (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return content;
    },
  };
}

describe('resolveDockerEndpoint', () => {
  const colimaSock = 'unix:///Users/ada/.colima/default/docker.sock';
  const rows: Array<{
    name: string;
    env: Record<string, string>;
    files?: Record<string, string>;
    platform?: NodeJS.Platform;
    expected: Record<string, unknown>;
  }> = [
    {
      name: 'nothing configured: the default socket',
      env: {},
      expected: { url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock', source: 'default' },
    },
    {
      name: 'nothing configured on Windows: the default named pipe',
      env: {},
      platform: 'win32',
      expected: { url: 'npipe:////./pipe/docker_engine', transport: 'npipe', socketPath: '//./pipe/docker_engine' },
    },
    {
      name: 'DOCKER_HOST unix://',
      env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' },
      expected: { transport: 'unix', socketPath: '/run/user/1000/docker.sock', source: 'DOCKER_HOST' },
    },
    {
      name: 'DOCKER_HOST tcp:// without TLS',
      env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' },
      expected: { transport: 'tcp', host: '10.0.0.5', port: 2375, url: 'tcp://10.0.0.5:2375', tls: undefined },
    },
    {
      name: 'DOCKER_HOST tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH',
      env: { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      expected: { transport: 'tcp', port: 2376, tls: { verify: true, certPath: '/certs' } },
    },
    {
      name: 'DOCKER_HOST npipe://',
      env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' },
      expected: { transport: 'npipe', socketPath: '//./pipe/docker_engine' },
    },
    {
      name: 'DOCKER_HOST ssh://',
      env: { DOCKER_HOST: 'ssh://ops@build-host:2222' },
      expected: { transport: 'ssh', host: 'build-host', port: 2222, username: 'ops', url: 'ssh://ops@build-host:2222' },
    },
    {
      name: 'DOCKER_HOST wins over DOCKER_CONTEXT and currentContext (docker CLI order)',
      env: { DOCKER_HOST: 'unix:///tmp/x.sock', DOCKER_CONTEXT: 'colima' },
      files: { [`${HOME}/.docker/config.json`]: '{"currentContext":"colima"}', ...meta('colima', colimaSock) },
      expected: { socketPath: '/tmp/x.sock', source: 'DOCKER_HOST' },
    },
    {
      name: 'currentContext in ~/.docker/config.json (colima)',
      env: {},
      files: { [`${HOME}/.docker/config.json`]: '{"auths":{},"currentContext":"colima"}', ...meta('colima', colimaSock) },
      expected: { socketPath: '/Users/ada/.colima/default/docker.sock', source: 'context', context: 'colima' },
    },
    {
      name: 'DOCKER_CONTEXT wins over currentContext',
      env: { DOCKER_CONTEXT: 'orbstack' },
      files: {
        [`${HOME}/.docker/config.json`]: '{"currentContext":"colima"}',
        ...meta('colima', colimaSock),
        ...meta('orbstack', 'unix:///Users/ada/.orbstack/run/docker.sock'),
      },
      expected: { socketPath: '/Users/ada/.orbstack/run/docker.sock', context: 'orbstack' },
    },
    {
      name: 'DOCKER_CONFIG moves config.json and the context store',
      env: { DOCKER_CONFIG: '/etc/dockercfg' },
      files: { '/etc/dockercfg/config.json': '{"currentContext":"remote"}', ...meta('remote', 'tcp://10.1.1.1:2375', '/etc/dockercfg') },
      expected: { transport: 'tcp', host: '10.1.1.1', context: 'remote' },
    },
    {
      name: 'tcp context with TLS material in contexts/tls',
      env: { DOCKER_CONTEXT: 'secure' },
      files: { ...meta('secure', 'tcp://10.1.1.2:2376'), [`${HOME}/.docker/contexts/tls/${hash('secure')}/docker/ca.pem`]: 'x' },
      expected: { tls: { verify: true, certPath: `${HOME}/.docker/contexts/tls/${hash('secure')}/docker` } },
    },
    {
      name: 'the "default" context means the default endpoint',
      env: {},
      files: { [`${HOME}/.docker/config.json`]: '{"currentContext":"default"}' },
      expected: { socketPath: '/var/run/docker.sock', source: 'default', warning: undefined },
    },
    {
      name: 'context without meta.json: default endpoint with a warning',
      env: { DOCKER_CONTEXT: 'gone' },
      expected: { socketPath: '/var/run/docker.sock', source: 'default', warning: expect.stringContaining('Docker context "gone" was not found') },
    },
    {
      name: 'corrupt config.json: default endpoint with a warning',
      env: {},
      files: { [`${HOME}/.docker/config.json`]: '{not json' },
      expected: { source: 'default', warning: expect.stringContaining('config.json') },
    },
  ];

  it.each(rows)('$name', async ({ env, files, platform, expected }) => {
    const endpoint = await resolveDockerEndpoint(inputs(env, files, platform));
    expect(endpoint).toMatchObject(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
    for (const [key, value] of Object.entries(expected)) if (value === undefined) expect(endpoint).not.toHaveProperty(key);
  });

  it('rejects a malformed DOCKER_HOST with UsageError and hides a password', async () => {
    await expect(resolveDockerEndpoint(inputs({ DOCKER_HOST: 'fd://' }))).rejects.toBeInstanceOf(UsageError);
    const error = await resolveDockerEndpoint(inputs({ DOCKER_HOST: 'ftp://bob:s3cret@host' })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('rejects a context whose Host is malformed, naming the context', async () => {
    const files = meta('bad', 'gopher://x');
    await expect(resolveDockerEndpoint(inputs({ DOCKER_CONTEXT: 'bad' }, files))).rejects.toThrow(/Docker context "bad"/);
  });
});

describe('parseDockerHost', () => {
  it('treats a bare host:port as tcp and defaults ports', () => {
    expect(parseDockerHost('localhost:2375', 'x')).toMatchObject({ transport: 'tcp', host: 'localhost', port: 2375 });
    expect(parseDockerHost('tcp://example', 'x')).toMatchObject({ port: 2375, url: 'tcp://example:2375' });
    expect(parseDockerHost('unix://', 'x')).toMatchObject({ socketPath: '/var/run/docker.sock' });
  });
});

describe('describeEndpoint', () => {
  it('names where the endpoint came from', () => {
    expect(describeEndpoint({ url: 'unix:///a.sock', transport: 'unix', source: 'context', context: 'colima' })).toBe(
      'unix:///a.sock (docker context colima)',
    );
    expect(describeEndpoint({ url: 'unix:///a.sock', transport: 'unix', source: 'DOCKER_HOST' })).toBe('unix:///a.sock (DOCKER_HOST)');
    expect(describeEndpoint({ url: 'unix:///a.sock', transport: 'unix', source: 'default' })).toBe('unix:///a.sock');
  });
});
