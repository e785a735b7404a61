import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../../src/core/errors.js';
import { abortable, createFalkorClient, parseModuleList } from '../../../../src/core/falkordb/client.js';
import type { CommandPort } from '../../../../src/core/falkordb/connection.js';
import { FalkorCommandError, FalkorLoadingError } from '../../../../src/core/falkordb/falkor-errors.js';
import { fakeWorld } from '../../../helpers/fake-falkordb.js';

function setup(signal?: AbortSignal) {
  const { redis, clock } = fakeWorld();
  return { redis, clock, client: createFalkorClient(redis, { clock, signal }) };
}

// MODULE LIST as FalkorDB 4.x answers it over RESP2.
const falkorModules = [
  ['name', 'graph', 'ver', 41002, 'path', '/var/lib/falkordb/bin/falkordb.so', 'args', ['MAX_QUEUED_QUERIES', '25']],
  ['name', 'vectorset', 'ver', 1],
];

describe('createFalkorClient', () => {
  it('pings and reports the round trip', async () => {
    const { client } = setup();
    await expect(client.ping()).resolves.toEqual({ reply: 'PONG', rttMs: expect.any(Number) });
  });

  it('passes LOADING through as FalkorLoadingError', async () => {
    const { redis, client } = setup();
    redis.replies.set('PING', new FalkorLoadingError('still loading'));
    await expect(client.ping()).rejects.toBeInstanceOf(FalkorLoadingError);
  });

  it('reads INFO sections, CONFIG values, DBSIZE, LASTSAVE and the server version', async () => {
    const { client } = setup();
    expect((await client.info('persistence')).persistence?.rdb_last_bgsave_status).toBe('ok');
    await expect(client.configGet('appendonly')).resolves.toBe('no');
    await expect(client.configGet('no-such-parameter')).resolves.toBeUndefined();
    await expect(client.dbsize()).resolves.toBe(42);
    await expect(client.lastsave()).resolves.toBe(1_699_999_000);
    await expect(client.serverVersion()).resolves.toBe('7.2.4');
  });

  it('lists modules, and returns [] when MODULE is unknown', async () => {
    const { redis, client } = setup();
    redis.replies.set('MODULE LIST', falkorModules);
    await expect(client.moduleList()).resolves.toEqual([
      { name: 'graph', version: '41002', path: '/var/lib/falkordb/bin/falkordb.so' },
      { name: 'vectorset', version: '1' },
    ]);
    redis.replies.set('MODULE LIST', new FalkorCommandError('x', 'MODULE LIST', "ERR unknown command 'MODULE'"));
    await expect(client.moduleList()).resolves.toEqual([]);
  });

  it('lists graphs, and returns undefined on plain Redis without GRAPH.*', async () => {
    const { redis, client } = setup();
    await expect(client.graphList()).resolves.toBeUndefined();
    redis.replies.set('GRAPH.LIST', ['auto_codex_memory', 'project_x']);
    await expect(client.graphList()).resolves.toEqual(['auto_codex_memory', 'project_x']);
  });

  it('rethrows other GRAPH.LIST errors (an ACL refusal is not "no module")', async () => {
    const { redis, client } = setup();
    redis.replies.set('GRAPH.LIST', new FalkorCommandError('x', 'GRAPH.LIST', 'NOPERM no permission'));
    await expect(client.graphList()).rejects.toBeInstanceOf(FalkorCommandError);
  });

  it('runs bgsave and waitForBgsave against the connection', async () => {
    const { client } = setup();
    const started = await client.bgsave();
    const done = await client.waitForBgsave({ since: started });
    expect(done.lastsave).toBeGreaterThan(started.lastsaveBefore);
    await expect(client.waitForAofRewriteIdle()).resolves.toBeUndefined();
  });

  it('close() disconnects', async () => {
    const { redis, client } = setup();
    await client.close();
    expect(redis.closed).toBe(true);
  });
});

describe('suspendAofRewrite', () => {
  it('sets the percentage to 0 and its undo puts the previous value back once', async () => {
    const { redis, client } = setup();
    redis.config.set('auto-aof-rewrite-percentage', '150');
    const undo = await client.suspendAofRewrite();
    expect(redis.config.get('auto-aof-rewrite-percentage')).toBe('0');
    await undo();
    await undo();
    expect(redis.config.get('auto-aof-rewrite-percentage')).toBe('150');
    expect(redis.calls.filter((c) => c === 'CONFIG SET auto-aof-rewrite-percentage 150')).toHaveLength(1);
  });

  it('still undoes after the run was interrupted (cleanup runs after Ctrl-C)', async () => {
    const controller = new AbortController();
    const { redis, client } = setup(controller.signal);
    const undo = await client.suspendAofRewrite();
    controller.abort();
    await expect(client.ping()).rejects.toBeInstanceOf(InterruptedError);
    await undo();
    expect(redis.config.get('auto-aof-rewrite-percentage')).toBe('100');
  });

  it('changes nothing when rewrites are already off', async () => {
    const { redis, client } = setup();
    redis.config.set('auto-aof-rewrite-percentage', '0');
    const undo = await client.suspendAofRewrite();
    await undo();
    expect(redis.calls.some((c) => c.startsWith('CONFIG SET'))).toBe(false);
  });

  it('explains how to restore by hand when the undo fails', async () => {
    const { redis, client } = setup();
    const undo = await client.suspendAofRewrite();
    redis.replies.set('CONFIG SET auto-aof-rewrite-percentage 100', new Error('connection lost'));
    await expect(undo()).rejects.toMatchObject({
      exitCode: 1,
      hint: expect.stringContaining('CONFIG SET auto-aof-rewrite-percentage 100'),
    });
  });
});

describe('abortable', () => {
  it('rejects an in-flight call with InterruptedError as soon as the signal aborts', async () => {
    const never: CommandPort = { call: () => new Promise(() => {}) };
    const controller = new AbortController();
    const pending = abortable(never, controller.signal).call('PING');
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(InterruptedError);
  });

  it('sends nothing once aborted', async () => {
    const sent: string[] = [];
    const port: CommandPort = { call: async (c) => sent.push(c) };
    const controller = new AbortController();
    controller.abort();
    await expect(abortable(port, controller.signal).call('PING')).rejects.toBeInstanceOf(InterruptedError);
    expect(sent).toEqual([]);
  });
});

describe('parseModuleList', () => {
  it('ignores replies that are not arrays of entries', () => {
    expect(parseModuleList(null)).toEqual([]);
    expect(parseModuleList(['junk'])).toEqual([]);
  });
});
