import { escalate, ok, type Check } from '../types.js';
import { requireService } from './docker.js';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/**
 * exposureCheck: a service's published ports bound to loopback only; 0.0.0.0 or :: fails in
 * production, warns otherwise. Both services of the stack get one (falkordb-exposure, graphiti-mcp-exposure).
 */
export function exposureCheck(id: string, service: 'falkordb' | 'graphiti-mcp', label: string, fix: string): Check {
  return {
    id,
    group: service === 'falkordb' ? 'falkordb' : 'graphiti',
    title: `${label} exposure`,
    requiresGraphiti: true,
    async run(ctx) {
      const container = await requireService(ctx, service);
      if (container.ports.length === 0) return ok('no ports published');
      const open = container.ports.filter((p) => !LOOPBACK.test(p.hostIp));
      const list = (ps: typeof open) => ps.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}`).join(', ');
      if (open.length === 0) return ok(`published on loopback only (${list(container.ports)})`);
      return escalate(ctx.config.production, `${label} port published on all interfaces (${list(open)})`, fix);
    },
  };
}

export const graphitiMcpExposureCheck = exposureCheck(
  'graphiti-mcp-exposure',
  'graphiti-mcp',
  'Graphiti MCP',
  'Bind it to loopback in the compose file: `127.0.0.1:${GRAPHITI_MCP_PORT:-8000}:8000`, then recreate the container (the MCP server has no authentication).',
);
