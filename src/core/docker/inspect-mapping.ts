import { ContainerEnv } from './container-env.js';
import type { ContainerInfo, HealthStatus, ImageInfo, MountInfo, PortBinding, VolumeInfo } from './docker.js';

// Pure mapping from the engine's JSON to the plain records of docker.ts. Kept apart from the
// dockerode adapter so it is unit-tested with fixtures and so the records never depend on
// dockerode's typings. Only the fields we read are declared; the engine may omit any of them.

type PortMap = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null | undefined;

/** The subset of `GET /containers/{id}/json` that mapContainerInspect reads. */
export interface RawContainerInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Image?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string } | null;
  };
  Config?: { Image?: string; Env?: string[] | null; Labels?: Record<string, string> | null; Tty?: boolean };
  HostConfig?: { PortBindings?: PortMap };
  Mounts?: Array<{ Type?: string; Name?: string; Source?: string; Destination?: string; RW?: boolean }> | null;
  NetworkSettings?: { Ports?: PortMap } | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** mapContainerInspect converts inspect JSON into a ContainerInfo; unknown health values map to `none`. */
export function mapContainerInspect(raw: RawContainerInspect): ContainerInfo {
  const state = raw.State ?? {};
  const running = state.Running === true;
  const info: ContainerInfo = {
    id: raw.Id,
    name: (raw.Name ?? '').replace(/^\//, ''),
    image: raw.Config?.Image ?? raw.Image ?? '',
    imageId: raw.Image ?? '',
    state: state.Status ?? (running ? 'running' : 'unknown'),
    running,
    health: toHealth(state.Health?.Status),
    labels: { ...(raw.Config?.Labels ?? {}) },
    mounts: (raw.Mounts ?? []).map(
      (m): MountInfo => ({
        type: m.Type ?? 'unknown',
        ...(m.Name ? { name: m.Name } : {}),
        source: m.Source ?? '',
        destination: m.Destination ?? '',
        readOnly: m.RW === false,
      }),
    ),
    // A stopped container has no NetworkSettings.Ports; what it will publish is in HostConfig.
    ports: toPorts(running && hasEntries(raw.NetworkSettings?.Ports) ? raw.NetworkSettings?.Ports : raw.HostConfig?.PortBindings),
    env: ContainerEnv.fromDockerEnv(raw.Config?.Env),
    created: raw.Created ?? '',
  };
  if (!running && typeof state.ExitCode === 'number' && state.Status !== 'created') info.exitCode = state.ExitCode;
  if (state.StartedAt && state.StartedAt !== ZERO_TIME) info.startedAt = state.StartedAt;
  if (state.FinishedAt && state.FinishedAt !== ZERO_TIME) info.finishedAt = state.FinishedAt;
  if (typeof raw.RestartCount === 'number') info.restartCount = raw.RestartCount;
  return info;
}

/** mapVolumeInspect converts `GET /volumes/{name}` JSON into a VolumeInfo. */
export function mapVolumeInspect(raw: {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  Labels?: Record<string, string> | null;
  CreatedAt?: string;
}): VolumeInfo {
  return {
    name: raw.Name,
    driver: raw.Driver ?? 'local',
    mountpoint: raw.Mountpoint ?? '',
    labels: { ...(raw.Labels ?? {}) },
    ...(raw.CreatedAt ? { createdAt: raw.CreatedAt } : {}),
  };
}

/** mapImageInspect converts `GET /images/{name}/json` JSON into an ImageInfo. */
export function mapImageInspect(raw: { Id: string; RepoTags?: string[] | null; RepoDigests?: string[] | null }): ImageInfo {
  return { id: raw.Id, repoTags: [...(raw.RepoTags ?? [])], repoDigests: [...(raw.RepoDigests ?? [])] };
}

/**
 * demuxDockerLogs decodes the engine's multiplexed log format (8-byte frame headers: stream, 0, 0, 0,
 * big-endian length) into text, stdout and stderr interleaved in order. Input that is not framed
 * (containers with a TTY) is returned as text unchanged; a truncated last frame is kept as far as it goes.
 */
export function demuxDockerLogs(buffer: Buffer): string {
  if (!looksMultiplexed(buffer)) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, Math.min(offset + 8 + length, buffer.length)));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** lastLines keeps the last `count` lines of `text` (without a trailing empty line). */
export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  return lines.slice(-count).join('\n');
}

function looksMultiplexed(buffer: Buffer): boolean {
  return buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}

function toHealth(status: string | undefined): HealthStatus {
  return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none';
}

function hasEntries(map: PortMap): boolean {
  return !!map && Object.values(map).some((bindings) => (bindings?.length ?? 0) > 0);
}

function toPorts(map: PortMap): PortBinding[] {
  const ports: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(map ?? {})) {
    const [port = '', protocol = 'tcp'] = key.split('/');
    for (const binding of bindings ?? []) {
      const hostPort = Number(binding.HostPort);
      ports.push({
        containerPort: Number(port),
        protocol,
        hostIp: binding.HostIp ?? '',
        ...(binding.HostPort && Number.isInteger(hostPort) && hostPort > 0 ? { hostPort } : {}),
      });
    }
  }
  return ports;
}
