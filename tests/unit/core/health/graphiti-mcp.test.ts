import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { graphitiMcpLiveCheck } from '../../../../src/core/health/checks/graphiti-mcp.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A local server answering /sse with `status`; `stream` keeps the body open as the real /sse does. */
async function serve(status: number, stream: boolean): Promise<number> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/sse' ? status : 500, { 'content-type': 'text/event-stream' });
    if (stream) res.write('event: endpoint\ndata: /messages\n\n');
    else res.end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const port = await serve(200, false);
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

describe('graphiti-mcp-live', () => {
  it.each([
    ['a streaming /sse', () => serve(200, true), 'ok', /^Graphiti MCP at http:\/\/127\.0\.0\.1:\d+\/sse answered HTTP 200 in \d+ ms$/],
    ['any HTTP status', () => serve(404, false), 'ok', /answered HTTP 404/],
    ['nothing listening', closedPort, 'fail', /^Graphiti MCP at http:\/\/127\.0\.0\.1:\d+\/sse does not answer \(ECONNREFUSED\)$/],
  ] as const)('%s', async (_case, port, status, message) => {
    const ctx = fakeHealthContext({ env: { GRAPHITI_ENABLED: 'true', GRAPHITI_MCP_PORT: String(await port()) } });
    const result = await graphitiMcpLiveCheck.run(ctx);
    expect(result).toMatchObject({ status, message: expect.stringMatching(message) });
  });
});
