import { describe, expect, it } from 'vitest';
import { parseLegacyLine } from '../../../../src/core/audit/legacy.js';

describe('parseLegacyLine (the app log: timestamp|STATUS|event|reason|command)', () => {
  it('reads the five fields, converting the local timestamp to UTC', () => {
    const e = parseLegacyLine('2024-05-01T12:34:56.123456|BLOCKED|bash|not in allowlist|rm -rf /');
    expect(e).toEqual({
      format: 'legacy',
      time: new Date('2024-05-01T12:34:56.123').toISOString(),
      rawTime: '2024-05-01T12:34:56.123456',
      status: 'BLOCKED',
      event: 'bash',
      reason: 'not in allowlist',
      command: 'rm -rf /',
    });
  });

  it('keeps every `|` after the fourth in the command', () => {
    const e = parseLegacyLine('2024-05-01T12:34:56|ALLOWED|bash|ok|cat a.log | grep x || echo "a|b" |');
    expect(e?.command).toBe('cat a.log | grep x || echo "a|b" |');
    expect(e?.reason).toBe('ok');
  });

  it('accepts an empty command and reason, and a Windows line end', () => {
    expect(parseLegacyLine('2024-05-01T12:34:56|ALLOWED|bash||\r')).toMatchObject({ reason: '', command: '' });
  });

  it('redacts what the app stored in clear', () => {
    const e = parseLegacyLine('2024-05-01T12:34:56|ALLOWED|bash|token=abc123|curl -H "Authorization: Bearer ghp_abcdefghij1234" --password=hunter22');
    expect(e?.command).toBe('curl -H "Authorization: Bearer *** --password=***');
    expect(e?.reason).toBe('token=***');
  });

  it.each([
    ['too few fields', '2024-05-01T12:34:56|ALLOWED|bash|no command field'],
    ['unknown status', '2024-05-01T12:34:56|MAYBE|bash|r|ls'],
    ['bad timestamp', 'yesterday|ALLOWED|bash|r|ls'],
    ['a JSON record', '{"v":1,"seq":1}'],
  ])('rejects %s', (_name, line) => {
    expect(parseLegacyLine(line)).toBeUndefined();
  });
});
