import { describe, expect, it } from 'vitest';
import { hardenedArgs, withoutOptions } from '../../../../src/core/harden/server-args.js';

describe('hardenedArgs', () => {
  it.each([
    ['the UI default (FALKORDB_ARGS=--appendonly yes)', { falkordbArgs: '--appendonly yes' }, { redisArgs: '--appendonly yes --requirepass pw' }],
    ['a legacy FALKORDB_ARGS with an old password, module words kept', { falkordbArgs: 'THREAD_COUNT 4 --appendonly no --requirepass old' }, { redisArgs: '--appendonly yes --requirepass pw', falkordbArgs: 'THREAD_COUNT 4' }],
    ['other REDIS_ARGS kept, AOF and password replaced', { redisArgs: '--maxmemory 1gb --appendonly no --requirepass x --save 60 1' }, { redisArgs: '--maxmemory 1gb --save 60 1 --appendonly yes --requirepass pw' }],
    ['nothing set', {}, { redisArgs: '--appendonly yes --requirepass pw' }],
  ])('%s', (_n, old, expected) => {
    expect(hardenedArgs(old, 'pw')).toEqual(expected);
  });

  it('drops a bare option at the end and never swallows the next option', () => {
    expect(withoutOptions('--requirepass --port 1', ['requirepass'])).toBe('--port 1');
    expect(withoutOptions('--save 60 --appendonly', ['appendonly'])).toBe('--save 60');
    expect(withoutOptions('--APPENDONLY yes', ['appendonly'])).toBe('');
  });
});
