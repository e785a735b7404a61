import { get } from 'node:http';
import { fail, ok, type Check } from '../types.js';

/** statusOf resolves with the HTTP status of a GET; node:http, as fetch would load undici (about 0.1 s of start-up). */
function statusOf(url: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { signal, headers: { accept: 'text/event-stream' } }, (res) => {
      resolve(res.statusCode ?? 0);
      // /sse streams forever on the real server: the status line is the answer, the body is not needed.
      res.destroy();
    });
    req.on('error', reject);
  });
}

/** graphiti-mcp-live: the MCP server's HTTP port answers (any HTTP status: the image has no /health). */
export const graphitiMcpLiveCheck: Check = {
  id: 'graphiti-mcp-live',
  group: 'graphiti',
  title: 'Graphiti MCP live',
  requiresGraphiti: true,
  async run(ctx) {
    const url = `http://127.0.0.1:${ctx.config.graphitiMcp.port}/sse`;
    const started = performance.now();
    try {
      const status = await statusOf(url, ctx.signal);
      return ok(`Graphiti MCP at ${url} answered HTTP ${status} in ${(performance.now() - started).toFixed(0)} ms`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return fail(
        `Graphiti MCP at ${url} does not answer (${code && code !== 'ABORT_ERR' ? code : (err as Error).message})`,
        'Start it with `docker compose up -d graphiti-mcp`, and check GRAPHITI_MCP_PORT and `docker logs auto-codex-graphiti-mcp`.',
      );
    }
  },
};
