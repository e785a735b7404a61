import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ContainerEnv } from '../../../../src/core/docker/container-env.js';
import { demuxDockerLogs, lastLines, mapContainerInspect, type RawContainerInspect } from '../../../../src/core/docker/inspect-mapping.js';

// Trimmed from `GET /containers/{id}/json` of a compose-started FalkorDB on engine 20.10.
const running: RawContainerInspect = {
  Id: 'abc123',
  Name: '/auto-codex-falkordb',
  Created: '2025-03-01T10:00:00.123456789Z',
  Image: 'sha256:deadbeef',
  State: {
    Status: 'running',
    Running: true,
    ExitCode: 0,
    StartedAt: '2025-03-01T10:00:01Z',
    FinishedAt: '0001-01-01T00:00:00Z',
    Health: { Status: 'healthy' },
  },
  Config: {
    Image: 'falkordb/falkordb:v4.2.1',
    Env: ['FALKORDB_ARGS=--requirepass s3cret', 'PATH=/usr/bin', 'EMPTY=', 'NOEQUALS'],
    Labels: { 'com.docker.compose.project': 'auto-codex', 'com.docker.compose.service': 'falkordb' },
  },
  HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '6380' }] } },
  Mounts: [
    { Type: 'volume', Name: 'auto-codex_falkordb_data', Source: '/var/lib/docker/volumes/x/_data', Destination: '/data', RW: true },
    { Type: 'bind', Source: '/etc/x', Destination: '/etc/x', RW: false },
  ],
  NetworkSettings: {
    Ports: {
      '6379/tcp': [
        { HostIp: '127.0.0.1', HostPort: '6380' },
        { HostIp: '::1', HostPort: '6380' },
      ],
      '9999/tcp': null,
    },
  },
};

describe('mapContainerInspect', () => {
  it('maps a running, healthy compose container', () => {
    const info = mapContainerInspect(running);
    expect(info).toMatchObject({
      id: 'abc123',
      name: 'auto-codex-falkordb',
      image: 'falkordb/falkordb:v4.2.1',
      imageId: 'sha256:deadbeef',
      state: 'running',
      running: true,
      health: 'healthy',
      labels: { 'com.docker.compose.service': 'falkordb' },
      created: '2025-03-01T10:00:00.123456789Z',
      startedAt: '2025-03-01T10:00:01Z',
    });
    expect(info).not.toHaveProperty('finishedAt');
    expect(info).not.toHaveProperty('exitCode');
    expect(info.mounts).toEqual([
      { type: 'volume', name: 'auto-codex_falkordb_data', source: '/var/lib/docker/volumes/x/_data', destination: '/data', readOnly: false },
      { type: 'bind', source: '/etc/x', destination: '/etc/x', readOnly: true },
    ]);
    expect(info.ports).toEqual([
      { containerPort: 6379, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 6380 },
      { containerPort: 6379, protocol: 'tcp', hostIp: '::1', hostPort: 6380 },
    ]);
    expect(info.env.get('FALKORDB_ARGS')).toBe('--requirepass s3cret');
    expect(info.env.get('EMPTY')).toBe('');
    expect(info.env.has('NOEQUALS')).toBe(true);
  });

  it('maps a stopped container without a healthcheck, ports from HostConfig', () => {
    const info = mapContainerInspect({
      ...running,
      State: { Status: 'exited', Running: false, ExitCode: 137, FinishedAt: '2025-03-02T00:00:00Z' },
      NetworkSettings: { Ports: {} },
      HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '', HostPort: '' }] } },
    });
    expect(info).toMatchObject({ running: false, state: 'exited', exitCode: 137, health: 'none', finishedAt: '2025-03-02T00:00:00Z' });
    expect(info.ports).toEqual([{ containerPort: 6379, protocol: 'tcp', hostIp: '' }]);
  });

  it('never serialises env values', () => {
    const info = mapContainerInspect(running);
    const json = JSON.stringify(info);
    expect(json).not.toContain('s3cret');
    expect(json).toContain('"FALKORDB_ARGS":"***"');
    expect(inspect(info, { depth: 5 })).not.toContain('s3cret');
    expect({ ...info }.env).toBeInstanceOf(ContainerEnv);
  });
});

describe('demuxDockerLogs', () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };

  it('joins stdout and stderr frames in order', () => {
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]))).toBe('out 1\nerr 1\nout 2\n');
  });

  it('returns TTY logs unchanged and keeps a truncated last frame', () => {
    expect(demuxDockerLogs(Buffer.from('plain text\n'))).toBe('plain text\n');
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'whole\n'), frame(1, 'partial line').subarray(0, 12)]))).toBe('whole\npart');
  });
});

describe('lastLines', () => {
  it('keeps the last n lines', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
  });
});
