import { fail, ok, type Check } from '../types.js';

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
      const res = await fetch(url, { signal: ctx.signal, headers: { accept: 'text/event-stream' } });
      // /sse streams forever on the real server: the status line is the answer, the body is not needed.
      await res.body?.cancel().catch(() => undefined);
      return ok(`Graphiti MCP at ${url} answered HTTP ${res.status} in ${(performance.now() - started).toFixed(0)} ms`);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return fail(
        `Graphiti MCP at ${url} does not answer (${cause?.code ?? cause?.message ?? (err as Error).message})`,
        'Start it with `docker compose up -d graphiti-mcp`, and check GRAPHITI_MCP_PORT and `docker logs auto-codex-graphiti-mcp`.',
      );
    }
  },
};
