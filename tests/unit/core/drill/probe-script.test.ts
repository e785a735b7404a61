import { describe, expect, it } from 'vitest';
import { loadFailure, parseProbeOutput, probeTimings } from '../../../../src/core/drill/probe-script.js';

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

describe('probeTimings', () => {
  // What `docker logs --timestamps` gives: the engine's RFC 3339 time (nanoseconds) before each line.
  const at = (ms: number, line: string) => `${new Date(Date.UTC(2026, 11, 4, 17, 0, 0) + Math.floor(ms)).toISOString().replace('Z', '')}${String(Math.round((ms % 1) * 1e6)).padStart(6, '0')}Z ${line}`;

  it('loadMs is the load only: start to loading:0, not the probe after it', () => {
    // 250 ms of load, then a probe of 4 s (a big graph's count): loadMs must not contain it.
    const log = [at(0, '@@STARTED'), at(12.5, '1:M * Loading RDB produced by version 7.0.15'), at(250.25, '@@LOADED'), at(251, '@@DBSIZE 42'), at(252, '@@MODULES name graph ver 41005'), at(4250, '@@GRAPH 9\tkg'), at(4250.25, '@@GRAPHS_DONE'), at(4400, '@@DONE')].join('\n');
    const out = parseProbeOutput(log);
    expect(out).toMatchObject({ started: true, loaded: true, keys: 42, graphs: [{ name: 'kg', nodes: 9 }] });
    expect(out.serverLog).toEqual(['1:M * Loading RDB produced by version 7.0.15']);
    expect(probeTimings(out)).toEqual({ loadMs: 250, probeMs: 4000 });
  });

  it('ends the probe at @@NOGRAPH on a server without the module', () => {
    const out = parseProbeOutput([at(0, '@@STARTED'), at(1200, '@@LOADED'), at(1210, '@@DBSIZE 0'), at(1230, '@@NOGRAPH'), at(1300, '@@DONE')].join('\n'));
    expect(probeTimings(out)).toEqual({ loadMs: 1200, probeMs: 30 });
  });

  it('gives nothing without timestamps or without a load, and reads offsets other than Z', () => {
    expect(probeTimings(parseProbeOutput('@@STARTED\n@@LOADED\n@@NOGRAPH\n'))).toEqual({});
    expect(probeTimings(parseProbeOutput(`${at(0, '@@STARTED')}\n${at(50, '1:M # Internal error in RDB')}\n${at(60, '@@EXITED 1')}`))).toEqual({});
    const offset = parseProbeOutput('2026-12-04T18:00:00.100000000+01:00 @@STARTED\n2026-12-04T17:00:00.600000000Z @@LOADED');
    expect(probeTimings(offset)).toEqual({ loadMs: 500 });
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
