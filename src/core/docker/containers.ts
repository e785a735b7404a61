import { defaultOf } from '../config/load.js';
import type { CallOptions, ContainerInfo, DockerApi } from './docker.js';

// Compose labels first (docker/compose pkg/api/labels.go), exact container name second: the
// Desktop UI starts the same-named FalkorDB container with plain `docker run`, which carries no
// compose labels (anchors-and-gotchas.md §C.1). Stopped containers count: backup and restore
// must find a service that is down.

/** The compose project name fixed by `name:` in Auto-Codex's docker-compose.yml. */
export const DEFAULT_COMPOSE_PROJECT = defaultOf('COMPOSE_PROJECT_NAME');

/** A service of the stack: its compose service name and the container name used without compose. */
export interface ServiceSpec {
  service: string;
  containerName: string;
}

/** FalkorDB: compose service `falkordb`, container `auto-codex-falkordb` (FALKORDB_CONTAINER_NAME). */
export const FALKORDB_SERVICE: ServiceSpec = { service: 'falkordb', containerName: defaultOf('FALKORDB_CONTAINER_NAME') };

/** Graphiti MCP: compose service `graphiti-mcp`, container `auto-codex-graphiti-mcp` (GRAPHITI_MCP_CONTAINER_NAME). */
export const GRAPHITI_MCP_SERVICE: ServiceSpec = { service: 'graphiti-mcp', containerName: defaultOf('GRAPHITI_MCP_CONTAINER_NAME') };

/** A container found for a service, and how it was found. */
export interface FoundContainer {
  container: ContainerInfo;
  matchedBy: 'labels' | 'name';
}

/** Options of findServiceContainer: the compose project (default `auto-codex`) and the service to look for. */
export interface FindServiceOptions extends CallOptions {
  project?: string;
  service: string;
  containerName: string;
}

/**
 * findServiceContainer returns the container of a compose service, matched by the labels
 * `com.docker.compose.project`/`.service`, else by exact container name; stopped containers included.
 * Resolves undefined when neither matches; engine failures reject (PrerequisiteError when unreachable).
 */
export async function findServiceContainer(
  docker: Pick<DockerApi, 'listContainers'>,
  options: FindServiceOptions,
): Promise<FoundContainer | undefined> {
  const project = options.project ?? DEFAULT_COMPOSE_PROJECT;
  const byLabels = await docker.listContainers(
    { labels: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${options.service}`] },
    { signal: options.signal },
  );
  const labelled = chooseServiceContainer(
    byLabels.filter((c) => c.labels['com.docker.compose.project'] === project && c.labels['com.docker.compose.service'] === options.service),
    options.containerName,
  );
  if (labelled) return { container: labelled, matchedBy: 'labels' };
  const byName = await docker.listContainers({ name: options.containerName }, { signal: options.signal });
  // The engine's name filter is a regex; insist on equality in case an adapter passes it through unanchored.
  const named = byName.find((c) => c.name === options.containerName);
  return named ? { container: named, matchedBy: 'name' } : undefined;
}

/** findFalkorDbContainer finds FalkorDB (service `falkordb`, name FALKORDB_CONTAINER_NAME or `auto-codex-falkordb`). */
export function findFalkorDbContainer(
  docker: Pick<DockerApi, 'listContainers'>,
  options: CallOptions & { project?: string; containerName?: string } = {},
): Promise<FoundContainer | undefined> {
  return findServiceContainer(docker, {
    ...options,
    service: FALKORDB_SERVICE.service,
    containerName: options.containerName || FALKORDB_SERVICE.containerName,
  });
}

/** findGraphitiMcpContainer finds Graphiti MCP (service `graphiti-mcp`, name GRAPHITI_MCP_CONTAINER_NAME or `auto-codex-graphiti-mcp`). */
export function findGraphitiMcpContainer(
  docker: Pick<DockerApi, 'listContainers'>,
  options: CallOptions & { project?: string; containerName?: string } = {},
): Promise<FoundContainer | undefined> {
  return findServiceContainer(docker, {
    ...options,
    service: GRAPHITI_MCP_SERVICE.service,
    containerName: options.containerName || GRAPHITI_MCP_SERVICE.containerName,
  });
}

/**
 * chooseServiceContainer picks one of several containers labelled as the same service: not a
 * `compose run` one-off, then running, then named `preferredName`, then the newest. Undefined when empty.
 */
export function chooseServiceContainer(candidates: readonly ContainerInfo[], preferredName: string): ContainerInfo | undefined {
  const score = (c: ContainerInfo): number[] => [
    c.labels['com.docker.compose.oneoff']?.toLowerCase() === 'true' ? 0 : 1,
    c.running ? 1 : 0,
    c.name === preferredName ? 1 : 0,
  ];
  return [...candidates].sort((a, b) => {
    const [sa, sb] = [score(a), score(b)];
    for (let i = 0; i < sa.length; i += 1) if (sa[i] !== sb[i]) return sb[i]! - sa[i]!;
    return (Date.parse(b.created) || 0) - (Date.parse(a.created) || 0);
  })[0];
}
