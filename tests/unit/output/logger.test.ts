import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/output/logger.js';

function capture(json: boolean, level = 'info') {
  const lines: string[] = [];
  const log = createLogger({ level, json, write: (l) => lines.push(l) }).child({ cmd: 'backup' });
  return { log, lines };
}

describe('logger', () => {
  it('renders human lines with the command prefix and the level tag', () => {
    const { log, lines } = capture(false);
    log.info('Volume: auto-codex_falkordb_data');
    log.warn('FalkorDB is not running; skipping SAVE');
    log.error('backup file is empty');
    log.debug('not shown at info');
    expect(lines).toEqual([
      '[backup] Volume: auto-codex_falkordb_data\n',
      '[backup] Warning: FalkorDB is not running; skipping SAVE\n',
      '[backup] Error: backup file is empty\n',
    ]);
  });

  it('never writes a secret, in messages or fields, in either mode', () => {
    for (const json of [false, true]) {
      const { log, lines } = capture(json);
      log.info({ password: 'hunter2-pass', nested: { token: 'tok-123456' }, args: '--requirepass s3cr3t-x' }, 'connecting with --requirepass s3cr3t-x and sk-abcdefghijklmnop');
      const text = lines.join('');
      for (const secret of ['hunter2-pass', 'tok-123456', 's3cr3t-x', 'sk-abcdefghijklmnop']) expect(text).not.toContain(secret);
    }
  });

  it('writes JSON lines with a level name and time with --json', () => {
    const { log, lines } = capture(true);
    log.warn({ archive: '/b/a.tar.gz' }, 'pruned');
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ level: 'warn', cmd: 'backup', archive: '/b/a.tar.gz', msg: 'pruned' });
    expect(typeof rec.time).toBe('string');
  });

  it('is silent at level silent', () => {
    const { log, lines } = capture(false, 'silent');
    log.error('x');
    expect(lines).toEqual([]);
  });
});
