import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readArchiveData } from '../../../../src/core/backup-store/archive-data.js';
import { makeArchive } from '../../../helpers/archives.js';

const RDB = readFileSync(new URL('../../../fixtures/rdb/redis7-db0-51keys-db1-1key.rdb', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aco-archive-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

describe('readArchiveData', () => {
  it('reads the RDB head, the AOF manifest, the base RDB and the command counts', async () => {
    const path = await makeArchive(join(dir, 'a.tar.gz'), {
      'dump.rdb': RDB,
      'appendonlydir/appendonly.aof.manifest': 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      'appendonlydir/appendonly.aof.1.base.rdb': RDB,
      'appendonlydir/appendonly.aof.1.incr.aof': resp('SELECT', '0') + resp('SET', 'a', '1') + resp('FLUSHALL') + resp('SET', 'b', '2'),
      'appendonly.aof': resp('SET', 'x', '1'),
      'notes/other.rdb': 'ignored: not top level',
    });
    const data = await readArchiveData(path);
    expect(data.rdb.get('dump.rdb')).toMatchObject({ keys: 51 });
    expect([...data.rdb.keys()]).toEqual(['dump.rdb']);
    const aof = data.aofDirs.get('appendonlydir')!;
    expect(aof.manifest).toHaveLength(2);
    expect(aof.baseRdb).toMatchObject({ keys: 51 });
    expect(aof.counts).toMatchObject({ flushes: 1, writesAfterFlush: 1 });
    expect(data.legacyAof.get('appendonly.aof')).toMatchObject({ commands: 1, writesAfterFlush: 1 });
  });

  it('an RDB that does not parse is present with no summary', async () => {
    const data = await readArchiveData(await makeArchive(join(dir, 'b.tar.gz'), { 'dump.rdb': 'not an rdb' }));
    expect(data.rdb.has('dump.rdb')).toBe(true);
    expect(data.rdb.get('dump.rdb')).toBeUndefined();
  });
});
