import { describe, expect, it } from 'vitest';
import { flattenInfo, infoField, infoNumber, parseInfo } from '../../../../src/core/falkordb/info.js';

const sample = [
  '# Server',
  'redis_version:7.2.4',
  'executable:/usr/local/bin/redis-server',
  'config_file:',
  '',
  '# Persistence',
  'loading:0',
  'rdb_bgsave_in_progress:1',
  'rdb_last_bgsave_status:ok',
  '',
  '# Keyspace',
  'db0:keys=12,expires=0,avg_ttl=0',
  '',
].join('\r\n');

describe('parseInfo', () => {
  it('groups fields by lower-cased section heading', () => {
    const info = parseInfo(sample);
    expect(Object.keys(info)).toEqual(['server', 'persistence', 'keyspace']);
    expect(info.persistence).toEqual({ loading: '0', rdb_bgsave_in_progress: '1', rdb_last_bgsave_status: 'ok' });
  });

  it('splits on the first colon only and keeps empty values', () => {
    const info = parseInfo(sample);
    expect(info.server?.executable).toBe('/usr/local/bin/redis-server');
    expect(info.server?.config_file).toBe('');
    expect(info.keyspace?.db0).toBe('keys=12,expires=0,avg_ttl=0');
  });

  it('accepts LF line ends, fields without a heading, and skips junk', () => {
    const info = parseInfo('role:master\nnot a field\n:nokey\n# Clients\nconnected_clients:3\n');
    expect(info).toEqual({ '': { role: 'master' }, clients: { connected_clients: '3' } });
  });

  it('returns {} for empty text', () => {
    expect(parseInfo('')).toEqual({});
  });
});

describe('infoField / infoNumber / flattenInfo', () => {
  const info = parseInfo(sample);
  it('finds a field in any section', () => {
    expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');
    expect(infoField(info, 'missing')).toBeUndefined();
  });
  it('reads numbers and refuses non-numbers', () => {
    expect(infoNumber(info, 'rdb_bgsave_in_progress')).toBe(1);
    expect(infoNumber(info, 'rdb_last_bgsave_status')).toBeUndefined();
    expect(infoNumber(info, 'config_file')).toBeUndefined();
  });
  it('flattens all sections into one map', () => {
    expect(flattenInfo(info)).toMatchObject({ redis_version: '7.2.4', loading: '0', db0: expect.any(String) });
  });
});
