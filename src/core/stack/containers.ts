import type { OpsConfig } from '../config/load.js';
import { findFalkorDbContainer, findGraphitiMcpContainer, type ContainerInfo, type DockerApi } from '../docker/index.js';

// The one place that finds the stack's two containers: backup, restore, rollback and the
// healthcheck all locate FalkorDB and Graphiti MCP through it.

/** The stack's containers as found (either may be missing or stopped). */
export interface StackContainers {
  falkordb?: ContainerInfo;
  graphiti?: ContainerInfo;
  /** How the FalkorDB container was found (compose labels, else its name). */
  matchedBy?: 'labels' | 'name';
}

/** The config fields that locate the stack's containers. */
export type StackLocator = Pick<OpsConfig, 'composeProject'> & { falkordb: Pick<OpsConfig['falkordb'], 'containerName'>; graphitiMcp: Pick<OpsConfig['graphitiMcp'], 'containerName'> };

/**
 * findStackContainers finds the FalkorDB and Graphiti MCP containers (compose labels, then name,
 * stopped ones included); engine errors reject as findServiceContainer does.
 */
export async function findStackContainers(docker: Pick<DockerApi, 'listContainers'>, config: StackLocator, signal?: AbortSignal): Promise<StackContainers> {
  const project = config.composeProject;
  const [f, g] = await Promise.all([
    findFalkorDbContainer(docker, { project, containerName: config.falkordb.containerName, signal }),
    findGraphitiMcpContainer(docker, { project, containerName: config.graphitiMcp.containerName, signal }),
  ]);
  return { ...(f ? { falkordb: f.container, matchedBy: f.matchedBy } : {}), ...(g ? { graphiti: g.container } : {}) };
}
