import type { CallOptions, ContainerInfo, DockerApi } from '../docker/docker.js';
import { findServiceContainer, type ServiceSpec } from '../docker/containers.js';
import { maskEnvList } from './container-env.js';
import { messageOf, skip, textPart, type Collected, type Collector } from './types.js';

/** The Docker calls the bundle makes: find the services, inspect them, read their logs. */
export type BundleDocker = Pick<DockerApi, 'endpoint' | 'listContainers' | 'inspectContainerRaw' | 'containerLogs'>;

export interface DockerDeps {
  /** The engine, pinged; rejects (PrerequisiteError) when it is unreachable. */
  docker(): Promise<BundleDocker>;
  project: string;
  services: ServiceSpec[];
  /** Log lines per service (`--tail`, default 500 as the runbook's `docker-compose logs --tail=500`). */
  tail: number;
  /** Receives every environment value that was masked, so the same value is scrubbed from logs. */
  onSecret(value: string): void;
  timeoutMs: number;
}

/** What `compose ps` shows for one service, through the API. */
export function serviceSummary(c: ContainerInfo): Record<string, unknown> {
  return {
    name: c.name,
    id: c.id,
    image: c.image,
    imageId: c.imageId,
    state: c.state,
    health: c.health,
    exitCode: c.exitCode,
    restartCount: c.restartCount,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    ports: c.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort ?? '?'}->${p.containerPort}/${p.protocol}`),
    mounts: c.mounts.map((m) => `${m.type === 'volume' ? m.name : m.source}:${m.destination}${m.readOnly ? ':ro' : ''}`),
  };
}

/** maskInspect copies an inspect document with every environment value masked but the harmless ones. */
export function maskInspect(raw: Record<string, unknown>, onSecret: (value: string) => void): Record<string, unknown> {
  const copy = structuredClone(raw);
  const config = copy.Config as { Env?: unknown } | undefined;
  if (config && 'Env' in config) config.Env = maskEnvList(config.Env, onSecret);
  return copy;
}

/**
 * dockerCollector writes, for each service, `docker/<service>.json` (state, health, image, ports,
 * mounts, restart count, start time, and the inspect with masked environment) and
 * `docker/<service>.log` (the last `tail` lines, with timestamps). An engine that does not answer
 * rejects (the whole section is recorded as failed); a missing container is recorded as not found.
 */
export function dockerCollector(deps: DockerDeps): Collector {
  return {
    id: 'docker',
    title: 'Docker services',
    timeoutMs: deps.timeoutMs,
    async collect(signal): Promise<Collected> {
      const docker = await deps.docker();
      const out: Collected = { parts: [], skipped: [] };
      const call: CallOptions = { signal };
      for (const spec of deps.services) {
        const source = `container of compose service ${spec.service} (project ${deps.project}) or named ${spec.containerName}, at ${docker.endpoint}`;
        const found = await findServiceContainer(docker, { project: deps.project, service: spec.service, containerName: spec.containerName, signal });
        if (!found) {
          out.skipped.push(skip(`docker/${spec.service}.json`, source, 'not found', 'no such container'));
          continue;
        }
        const c = found.container;
        const raw = await docker.inspectContainerRaw(c.id, call);
        const doc = { service: spec.service, matchedBy: found.matchedBy, ...serviceSummary(c), inspect: raw ? maskInspect(raw, deps.onSecret) : null };
        out.parts.push(textPart(`docker/${spec.service}.json`, `docker inspect ${c.name}`, `${JSON.stringify(doc, null, 2)}\n`));
        try {
          const logs = await docker.containerLogs(c.id, { ...call, tail: deps.tail, timestamps: true });
          out.parts.push(textPart(`docker/${spec.service}.log`, `docker logs --timestamps --tail ${deps.tail} ${c.name}`, logs.endsWith('\n') || !logs ? logs : `${logs}\n`));
        } catch (err) {
          out.skipped.push(skip(`docker/${spec.service}.log`, `docker logs ${c.name}`, 'failed', messageOf(err)));
        }
      }
      return out;
    },
  };
}
