import { createServer, type Socket } from 'node:net';

/** A TCP server that accepts connections and never answers: the "stuck FalkorDB" case. */
export interface HungServer {
  port: number;
  /** How many connections it has accepted so far. */
  connections(): number;
  /** Destroys open sockets and closes the listener. */
  stop(): Promise<void>;
}

/** startHungServer listens on a free 127.0.0.1 port; whatever a client sends is read and ignored. */
export async function startHungServer(): Promise<HungServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => accepted,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
