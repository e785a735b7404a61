import { describe, expect, it } from 'vitest';
import { loadFailure, parseProbeOutput } from '../../../../src/core/drill/probe-script.js';

describe('parseProbeOutput', () => {
  it('reads a loaded server with the graph module and its graphs', () => {
    const out = parseProbeOutput(
      ['@@STARTED', '1:M * Ready to accept connections unix', '@@LOADED', '@@DBSIZE 42', '@@MODULES name graph ver 41005 path /x.so args', '@@GRAPH 17\tkg main', '@@GRAPH ERR bad\tbroken', '@@GRAPHS_DONE', '@@DONE'].join('\n'),
    );
    expect(out).toMatchObject({ started: true, loaded: true, keys: 42, modules: [{ name: 'graph', version: '41005' }] });
    expect(out.graphs).toEqual([{ name: 'kg main', nodes: 17 }, { name: 'broken', error: 'ERR bad' }]);
    expect(out.serverLog).toEqual(['1:M * Ready to accept connections unix']);
  });

  it('reads a server without GRAPH.* commands, and one that exited before loading', () => {
    expect(parseProbeOutput('@@STARTED\n@@LOADED\n@@DBSIZE 0\n@@MODULES \n@@NOGRAPH\n@@DONE').graphs).toBeUndefined();
    const died = parseProbeOutput('@@STARTED\n1:M # Internal error in RDB reading offset 0\n@@EXITED 1\n');
    expect(died).toMatchObject({ loaded: false, exited: 1 });
    expect(died.keys).toBeUndefined();
  });
});

describe('loadFailure', () => {
  it('names the known reasons and nothing else', () => {
    expect(loadFailure(['# Internal error in RDB reading offset 0, function at rdb.c:236'])).toBe('RDB corrupt or truncated');
    expect(loadFailure(["# Can't handle RDB format version 12"])).toBe('RDB from a newer server version');
    expect(loadFailure(['# !!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!'])).toBe('AOF truncated');
    expect(loadFailure(['# Bad file format reading the append only file appendonly.aof.1.incr.aof'])).toBe('AOF corrupt');
    expect(loadFailure(['* Ready to accept connections'])).toBeUndefined();
  });
});
