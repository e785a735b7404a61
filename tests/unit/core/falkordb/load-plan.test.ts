import { describe, expect, it } from 'vitest';
import type { AofCounts } from '../../../../src/core/falkordb/aof-summary.js';
import { loadProblem, planLoad, type ArchiveData, type ServerPersistence } from '../../../../src/core/falkordb/load-plan.js';

const AOF_ON: ServerPersistence = { appendonly: true, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', dbfilename: 'dump.rdb' };
const AOF_OFF: ServerPersistence = { ...AOF_ON, appendonly: false };
const counts = (commands: number, writesAfterFlush = commands, flushes = 0): AofCounts => ({ commands, flushes, writesAfterFlush, resp: true });
const data = (parts: Partial<ArchiveData>): ArchiveData => ({ rdb: new Map(), aofDirs: new Map(), legacyAof: new Map(), ...parts });
const rdb50 = new Map([['dump.rdb', { version: 10, aux: {}, keys: 50, firstDb: 0 }]]);
const aofDir = (c: AofCounts, baseKeys?: number) => new Map([['appendonlydir', { counts: c, ...(baseKeys !== undefined ? { baseRdb: { version: 10, aux: {}, keys: baseKeys } } : {}) }]]);

describe('planLoad', () => {
  it('lays an RDB-only archive out as the AOF base for a server with AOF on, and expects its 50 keys', () => {
    const plan = planLoad(data({ rdb: rdb50 }), AOF_ON);
    expect(plan.how).toBe('rdb-as-aof-base');
    expect(plan.layout).toEqual({
      from: 'dump.rdb',
      to: 'appendonlydir/appendonly.aof.1.base.rdb',
      manifestPath: 'appendonlydir/appendonly.aof.manifest',
      manifest: 'file appendonly.aof.1.base.rdb seq 1 type b\n',
    });
    expect(plan.expect).toMatchObject({ keys: 50, atLeastOne: true });
    expect(plan.refuse).toBeUndefined();
  });

  it('counts keys with an expiry as possibly gone: only the keys without one are the floor', () => {
    const withTtl = new Map([['dump.rdb', { version: 10, aux: {}, keys: 51, expiring: 1, firstDb: 0 }]]);
    const plan = planLoad(data({ rdb: withTtl }), AOF_OFF);
    expect(plan.expect).toEqual({ keys: 50, atLeastOne: true, source: 'dump.rdb says it holds 51 keys (1 with an expiry, which may have passed)' });
    expect(loadProblem(50, plan.expect)).toBeUndefined();
    expect(loadProblem(49, plan.expect)).toMatch(/holds 49 keys .* 51 keys \(1 with an expiry/);
    const allTtl = planLoad(data({ rdb: new Map([['dump.rdb', { version: 10, aux: {}, keys: 3, expiring: 3 }]]) }), AOF_OFF);
    expect(allTtl.expect).toMatchObject({ keys: 0, atLeastOne: false });
    const base = planLoad(data({ aofDirs: new Map([['appendonlydir', { counts: counts(0), baseRdb: { version: 10, aux: {}, keys: 9, expiring: 2 } }]]) }), AOF_ON);
    expect(base.expect).toMatchObject({ keys: 7 });
  });

  it('uses the server names for the layout (appenddirname/appendfilename from CONFIG GET)', () => {
    const plan = planLoad(data({ rdb: new Map([['graph.rdb', { version: 10, aux: {}, keys: 3 }]]) }), { appendonly: true, appenddirname: 'aofs', appendfilename: 'g.aof', dbfilename: 'graph.rdb' });
    expect(plan.layout?.to).toBe('aofs/g.aof.1.base.rdb');
    expect(plan.layout?.manifest).toBe('file g.aof.1.base.rdb seq 1 type b\n');
  });

  it.each([
    ['AOF dir, server AOF on', data({ aofDirs: aofDir(counts(10)) }), AOF_ON, 'aof', { atLeastOne: true }],
    ['AOF dir with only a base of 7 keys', data({ aofDirs: aofDir(counts(0), 7) }), AOF_ON, 'aof', { keys: 7, atLeastOne: true }],
    ['AOF dir whose last command is a flush', data({ aofDirs: aofDir(counts(5, 0, 1), 7) }), AOF_ON, 'aof', { atLeastOne: false }],
    ['legacy appendonly.aof, server AOF on', data({ legacyAof: new Map([['appendonly.aof', counts(3)]]) }), AOF_ON, 'legacy-aof', { atLeastOne: true }],
    ['dump.rdb, server AOF off', data({ rdb: rdb50 }), AOF_OFF, 'rdb', { keys: 50 }],
    ['dump.rdb and AOF, server AOF on: the AOF wins', data({ rdb: rdb50, aofDirs: aofDir(counts(4)) }), AOF_ON, 'aof', { atLeastOne: true }],
  ])('%s', (_name, archive, server, how, expectation) => {
    const plan = planLoad(archive, server);
    expect(plan.how).toBe(how);
    expect(plan.expect).toMatchObject(expectation);
    expect(plan.refuse).toBeUndefined();
    expect(plan.layout).toBeUndefined();
  });

  it('refuses an AOF-only archive for a server with AOF off (it would start empty)', () => {
    const plan = planLoad(data({ aofDirs: aofDir(counts(10)) }), AOF_OFF);
    expect(plan.refuse?.message).toContain('holds only AOF data (appendonlydir/) but the server runs with appendonly no');
  });

  it('warns that an AOF next to dump.rdb is ignored by a server with AOF off', () => {
    expect(planLoad(data({ rdb: rdb50, aofDirs: aofDir(counts(1)) }), AOF_OFF).warnings.join(' ')).toContain('ignores the archive\'s AOF');
  });

  it('refuses an archive with neither of the files the server loads, and warns about foreign names', () => {
    const plan = planLoad(data({ rdb: new Map([['other.rdb', undefined]]) }), AOF_OFF);
    expect(plan.refuse?.message).toContain('holds neither dump.rdb nor appendonlydir/');
    expect(plan.warnings[0]).toContain("is not the server's dbfilename");
  });

  it('restores as it is when the server is unknown, expecting only some keys', () => {
    const plan = planLoad(data({ rdb: rdb50 }), undefined);
    expect(plan.how).toBe('unknown-server');
    expect(plan.expect.keys).toBeUndefined();
    expect(plan.expect.atLeastOne).toBe(true);
  });
});

describe('loadProblem', () => {
  it.each([
    [0, { keys: 50, atLeastOne: true, source: 'dump.rdb says it holds 50 keys' }, 'the server holds 0 keys after start-up, but dump.rdb says it holds 50 keys'],
    [49, { keys: 50, atLeastOne: true, source: 'x' }, 'the server holds 49 keys after start-up, but x'],
    [0, { atLeastOne: true, source: 'appendonlydir/ holds data' }, 'the server holds no keys after start-up, but appendonlydir/ holds data: it did not load the restored data'],
  ])('%i keys against %o is a failed restore', (keys, expectation, message) => {
    expect(loadProblem(keys, expectation)).toBe(message);
  });
  it.each([
    [50, { keys: 50, atLeastOne: true, source: 'x' }],
    [51, { keys: 50, atLeastOne: true, source: 'x' }],
    [0, { atLeastOne: false, source: 'x' }],
    [0, { keys: 0, atLeastOne: false, source: 'x' }],
  ])('%i keys against %o is fine', (keys, expectation) => {
    expect(loadProblem(keys, expectation)).toBeUndefined();
  });
});
