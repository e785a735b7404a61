import { describe, expect, it } from 'vitest';
import { createRedactor, maskServerArgs, redactText } from '../../../../src/core/redact/redact.js';

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
    const run = createRedactor();
    run.addSecret('backups7');
    expect(run.text('AUTH backups7 refused')).toBe('AUTH *** refused');
    expect(run.text('mybackups7x and backups77')).toBe('mybackups7x and backups77');
  });

  it('shorter than 4 characters are never scrubbed from prose', () => {
    const run = createRedactor();
    run.addSecret('ab');
    expect(run.text('a table about abstract labs')).toBe('a table about abstract labs');
  });
});

describe('maskSecretFields (result data)', () => {
  it('masks fields named like secrets and leaves every path and name as it is', () => {
    const run = createRedactor();
    run.addSecret('backups7');
    const data = { archive: '/tmp/x/backups7/userdata_1.tar.gz', password: 'backups7', nested: { note: 'backups7' }, token: 'ab' };
    expect(run.result(data)).toEqual({ archive: '/tmp/x/backups7/userdata_1.tar.gz', password: '***', nested: { note: 'backups7' }, token: '***' });
  });
});
