import { describe, expect, it } from 'vitest';
import { maskSecretFields, maskServerArgs, redactText, registerSecret } from '../../../../src/core/redact/redact.js';

describe('--requirepass masking', () => {
  it('masks only a value, never the prose or placeholder after the option', () => {
    expect(redactText('REDIS_ARGS/FALKORDB_ARGS missing --requirepass (required for production)')).toBe('REDIS_ARGS/FALKORDB_ARGS missing --requirepass (required for production)');
    expect(redactText('Add `--requirepass <password>` to REDIS_ARGS')).toBe('Add `--requirepass <password>` to REDIS_ARGS');
    expect(redactText('missing --requirepass for production')).toBe('missing --requirepass for production');
    expect(redactText('--requirepass in REDIS_ARGS matches')).toBe('--requirepass in REDIS_ARGS matches');
    expect(redactText('redis-server --appendonly yes --requirepass hunter2')).toBe('redis-server --appendonly yes --requirepass ***');
    expect(redactText('--requirepass=ab')).toBe('--requirepass=***');
  });

  it('maskServerArgs masks the value whatever its length and keeps everything else', () => {
    expect(maskServerArgs('--appendonly yes --requirepass ab --save 60')).toBe('--appendonly yes --requirepass *** --save 60');
    expect(maskServerArgs('--requirepass=x  --masterauth "qw"')).toBe('--requirepass=***  --masterauth ***');
    expect(maskServerArgs('--appendonly yes')).toBe('--appendonly yes');
  });
});

describe('known values', () => {
  it('are scrubbed as whole words from messages, never from inside other words', () => {
    registerSecret('backups7');
    expect(redactText('AUTH backups7 refused')).toBe('AUTH *** refused');
    expect(redactText('mybackups7x and backups77')).toBe('mybackups7x and backups77');
  });

  it('shorter than 4 characters are never scrubbed from prose', () => {
    registerSecret('ab');
    expect(redactText('a table about abstract labs')).toBe('a table about abstract labs');
  });
});

describe('maskSecretFields (result data)', () => {
  it('masks fields named like secrets and leaves every path and name as it is', () => {
    registerSecret('backups7');
    const data = { archive: '/tmp/x/backups7/userdata_1.tar.gz', password: 'backups7', nested: { note: 'backups7' }, token: 'ab' };
    expect(maskSecretFields(data)).toEqual({ archive: '/tmp/x/backups7/userdata_1.tar.gz', password: '***', nested: { note: 'backups7' }, token: '***' });
  });
});
