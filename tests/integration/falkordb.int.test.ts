import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/core/errors.js';
import {
  FalkorAuthError,
  type FalkorClient,
  type FalkorConnectOptions,
  FalkorUnreachableError,
  connectFalkor,
  probeAuthRequired,
} from '../../src/core/falkordb/falkordb.js';
import { startHungServer } from '../helpers/hung-server.js';
import { freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const PASSWORD = 'it-secret-9f3b2c';

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('FalkorDB client against a real redis-server', () => {
  let secured: RedisServer;
  let open: RedisServer;
  const clients: FalkorClient[] = [];
  const at = (server: RedisServer, over: Partial<FalkorConnectOptions> = {}): FalkorConnectOptions => ({
    host: '127.0.0.1',
    port: server.port,
    ...over,
  });
  const connect = async (options: FalkorConnectOptions) => {
    const client = await connectFalkor(options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    [secured, open] = await Promise.all([startRedisServer({ password: PASSWORD, appendonly: true }), startRedisServer()]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([secured?.stop(), open?.stop()]);
  });

  it('authenticates and pings with a round-trip time', async () => {
    const client = await connect(at(secured, { password: PASSWORD }));
    const pong = await client.ping();
    expect(pong.reply).toBe('PONG');
    expect(pong.rttMs).toBeGreaterThanOrEqual(0);
    expect(client.where).toBe(`127.0.0.1:${secured.port}`);
    expect(await client.serverVersion()).toMatch(/^\d+\.\d+/);
    expect(await client.dbsize()).toBe(0);
  });

  it('rejects a wrong password with FalkorAuthError (exit 10) that never contains the password', async () => {
    const wrong = 'wrong-pw-77ab';
    const err = await connectFalkor(at(secured, { password: wrong })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FalkorAuthError);
    const auth = err as FalkorAuthError;
    expect(auth.exitCode).toBe(10);
    expect(auth.message).toMatch(/WRONGPASS/);
    expect(auth.hint).toMatch(/GRAPHITI_FALKORDB_PASSWORD/);
    const text = `${auth.message} ${auth.hint} ${String(auth.cause)} ${JSON.stringify(auth)}`;
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(PASSWORD);
  });

  it('reports NOAUTH when no password is configured for a server that requires one', async () => {
    const err = (await connectFalkor(at(secured)).catch((e: unknown) => e)) as FalkorAuthError;
    expect(err).toBeInstanceOf(FalkorAuthError);
    expect(err.message).toMatch(/requires a password, but none is configured \(NOAUTH\)/);
    expect(err.hint).toMatch(/Set GRAPHITI_FALKORDB_PASSWORD/);
  });

  it('probes whether auth is really enforced', async () => {
    await expect(probeAuthRequired(at(secured, { password: PASSWORD }))).resolves.toBe(true);
    await expect(probeAuthRequired(at(open))).resolves.toBe(false);
  });

  it('warns but connects when a password is configured and the server needs none', async () => {
    const warnings: string[] = [];
    const client = await connect(at(open, { password: 'unused', log: { warn: (m) => warnings.push(m) } }));
    await expect(client.ping()).resolves.toMatchObject({ reply: 'PONG' });
    expect(warnings[0]).toMatch(/does not require one/);
    expect(warnings.join()).not.toContain('unused');
  });

  it('reads appendonly through CONFIG GET', async () => {
    expect(await (await connect(at(secured, { password: PASSWORD }))).configGet('appendonly')).toBe('yes');
    expect(await (await connect(at(open))).configGet('appendonly')).toBe('no');
  });

  it('BGSAVE + wait moves LASTSAVE and leaves dump.rdb', async () => {
    const client = await connect(at(open));
    const before = await client.lastsave();
    const started = await client.bgsave({ timeoutMs: 30_000 });
    const done = await client.waitForBgsave({ since: started, timeoutMs: 30_000, pollMs: 50 });
    expect(done.lastsave).toBeGreaterThan(before);
    expect(await client.lastsave()).toBe(done.lastsave);
    expect(existsSync(join(open.dir, 'dump.rdb'))).toBe(true);
    // A second snapshot straight after the first must still be seen (LASTSAVE has 1 s resolution).
    const again = await client.bgsave({ timeoutMs: 30_000 });
    await expect(client.waitForBgsave({ since: again, timeoutMs: 30_000, pollMs: 50 })).resolves.toMatchObject({
      lastsave: expect.any(Number),
    });
  });

  it('suspends AOF rewrites and the undo restores the previous percentage', async () => {
    const client = await connect(at(secured, { password: PASSWORD }));
    await client.configSet('auto-aof-rewrite-percentage', '123');
    const undo = await client.suspendAofRewrite();
    expect(await client.configGet('auto-aof-rewrite-percentage')).toBe('0');
    await client.waitForAofRewriteIdle({ timeoutMs: 30_000, pollMs: 50 });
    await undo();
    expect(await client.configGet('auto-aof-rewrite-percentage')).toBe('123');
  });

  it('returns undefined from graphList() and [] from moduleList() on plain Redis', async () => {
    const client = await connect(at(open));
    await expect(client.graphList()).resolves.toBeUndefined();
    await expect(client.moduleList()).resolves.toEqual([]);
  });

  it('fails against a server that accepts TCP but never answers, within the timeout', async () => {
    const hung = await startHungServer();
    try {
      const commandTimeoutMs = 800;
      const started = performance.now();
      const err = await connectFalkor({
        host: '127.0.0.1',
        port: hung.port,
        password: PASSWORD,
        connectTimeoutMs: 500,
        commandTimeoutMs,
      }).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(FalkorUnreachableError);
      expect((err as Error).message).toMatch(/accepted the connection but did not answer/);
      expect((err as Error).message).not.toContain(PASSWORD);
      expect(hung.connections()).toBe(1);
      expect(elapsed).toBeLessThan(500 + commandTimeoutMs + 1500);
      // probeAuthRequired cannot tell either, and says so the same way.
      await expect(probeAuthRequired({ host: '127.0.0.1', port: hung.port, commandTimeoutMs })).rejects.toBeInstanceOf(
        FalkorUnreachableError,
      );
    } finally {
      await hung.stop();
    }
  });

  it('rejects with InterruptedError when aborted while a silent server keeps it waiting', async () => {
    const hung = await startHungServer();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const pending = connectFalkor({ host: '127.0.0.1', port: hung.port, commandTimeoutMs: 60_000, signal: controller.signal });
      await expect(pending).rejects.toBeInstanceOf(InterruptedError);
    } finally {
      await hung.stop();
    }
  });

  it('maps a refused port to FalkorUnreachableError (exit 10)', async () => {
    const port = await freePort();
    const err = (await connectFalkor({ host: '127.0.0.1', port }).catch((e: unknown) => e)) as FalkorUnreachableError;
    expect(err).toBeInstanceOf(FalkorUnreachableError);
    expect(err.exitCode).toBe(10);
    expect(err.message).toBe(`FalkorDB at 127.0.0.1:${port} is unreachable: connection refused (nothing listens on that port).`);
    expect(err.hint).toMatch(/GRAPHITI_FALKORDB_HOST/);
  });
});
