import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway redis-server (the stand-in for FalkorDB in integration tests). */
export interface RedisServer {
  port: number;
  /** Its data dir (`dir` in redis.conf): dump.rdb and appendonlydir/ land here. */
  dir: string;
  /** Stops the server and removes `dir`; safe to call twice. */
  stop(): Promise<void>;
}

/** startRedisServer options: `password` becomes `requirepass`, `appendonly` turns on the AOF. */
export interface RedisServerOptions {
  password?: string;
  appendonly?: boolean;
  /** Fills the data dir before the server starts (data for it to load). */
  prepare?: (dir: string) => Promise<void>;
}

const BINARY = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';

/** freePort asks the kernel for an unused TCP port on 127.0.0.1 and releases it again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * startRedisServer runs Debian's redis-server on a free port in a fresh temp dir and resolves
 * once it logs "Ready to accept connections". The password goes into a 0600 redis.conf, not
 * argv. Rejects (after cleaning up) if the server exits or is not ready within 10 s.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  let lastError: unknown;
  // The free port can be taken between freePort() and redis' bind(): retry on a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'aco-redis-'));
    const port = await freePort();
    try {
      await options.prepare?.(dir);
      const child = await launch(dir, port, options);
      return { port, dir, stop: stopper(child, dir) };
    } catch (err) {
      lastError = err;
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function launch(dir: string, port: number, options: RedisServerOptions): Promise<ChildProcess> {
  const conf = [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir "${dir}"`,
    'save ""',
    `appendonly ${options.appendonly ? 'yes' : 'no'}`,
    'daemonize no',
    'logfile ""',
    ...(options.password ? [`requirepass "${options.password}"`] : []),
  ].join('\n');
  const confPath = join(dir, 'redis.conf');
  await writeFile(confPath, `${conf}\n`, { mode: 0o600 });
  const child = spawn(BINARY, [confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server not ready within 10 s:\n${output}`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onExit = (code: number | null) => fail(new Error(`redis-server exited with ${code}:\n${output}`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', onExit);
  });
  return child;
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
}
