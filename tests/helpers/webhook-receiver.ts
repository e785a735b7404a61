import { createServer, type IncomingHttpHeaders } from 'node:http';

/** One request the receiver got: method, path (with query), headers and the body as text. */
export interface ReceivedHook {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real local HTTP server standing in for a Slack-style incoming webhook. */
export interface WebhookReceiver {
  url(path?: string): string;
  received: ReceivedHook[];
  /** Resolves when `n` requests have arrived, or rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs: number): Promise<ReceivedHook[]>;
  stop(): Promise<void>;
}

/** startWebhookReceiver listens on a free 127.0.0.1 port and answers every request with `status`. */
export async function startWebhookReceiver(status = 200): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    async waitFor(n, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`webhook: ${received.length} of ${n} request(s) within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return received;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
