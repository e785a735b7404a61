import type { OpsConfig } from '../config/load.js';
import type { LocateOptions } from './falkor-data.js';

/**
 * falkorTargetFrom maps the configuration to where the FalkorDB data and its services are and how
 * to reach the server; backup, restore and rollback all locate the stack through it.
 */
export function falkorTargetFrom(config: Pick<OpsConfig, 'composeProject' | 'backupImage' | 'falkordb' | 'graphitiMcp'>) {
  const f = config.falkordb;
  return {
    // Redis needs time to write its final RDB on SIGTERM; compose's stop_grace_period is 60 s too.
    stopGraceSeconds: 60,
    server: { host: f.host, port: f.port, password: f.password },
    project: config.composeProject,
    falkordbContainerName: f.containerName,
    graphitiContainerName: config.graphitiMcp.containerName,
    configuredVolume: f.volume,
    extraHelperImages: [config.backupImage, f.imageTag ? `falkordb/falkordb:${f.imageTag}` : undefined],
  } satisfies Omit<LocateOptions, 'signal'> & Record<string, unknown>;
}
