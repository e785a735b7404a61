import { describe, expect, it } from 'vitest';
import { createRedactor, redactText, redactValue, redactValues } from '../../../../src/core/redact/redact.js';

describe('redactText', () => {
  // The app's 15 rules (original-scripts.md §9), one sample each.
  it.each([
    'sk-abcdefghij1234',
    'sess-abcdefghij1234',
    'sk-ant-api03-abcdefghij',
    'codex_oauth_abc.def-ghijk',
    'ghp_abcdefghij12',
    'gho_abcdefghij12',
    'ghs_abcdefghij12',
    'ghr_abcdefghij12',
    'ghu_abcdefghij12',
    'github_pat_abcdefghij_12',
    'lin_api_abcdefghij12',
    'AIza' + 'a'.repeat(35),
    'ya29.abcdefghij-12',
  ])('removes %s', (secret) => {
    const out = redactText(`before ${secret} after`);
    expect(out).not.toContain(secret);
    expect(out).toBe('before *** after');
  });

  it('keeps the prefix of Bearer and key=value secrets', () => {
    expect(redactText('Authorization: Bearer abc.def')).toBe('Authorization: Bearer ***');
    expect(redactText('api_key=xyz token: t0k password=hunter22')).toBe('api_key=*** token: *** password=***');
  });

  it('masks redis password options and URLs', () => {
    expect(redactText('--appendonly yes --requirepass s3cr3t-pw')).toBe('--appendonly yes --requirepass ***');
    expect(redactText('requirepass=abc masterauth xyz')).toBe('requirepass=*** masterauth ***');
    expect(redactText('redis://user:pw1234@host:6379')).toBe('redis://user:***@host:6379');
  });

  it("scrubs a run's secret values wherever they appear, and only in that run", () => {
    const run = createRedactor();
    run.addSecret('Very$ecretValue');
    run.addSecret('abc');
    expect(run.text('auth failed for Very$ecretValue! abc')).toBe('auth failed for ***! abc');
    expect(run.value({ note: ['Very$ecretValue'] })).toEqual({ note: ['***'] });
    expect(run.argv(['--note', 'x Very$ecretValue'])).toEqual(['--note', 'x ***']);
    // A second run (and the pattern-only functions) never learned it.
    expect(createRedactor().text('Very$ecretValue')).toBe('Very$ecretValue');
    expect(redactText('Very$ecretValue')).toBe('Very$ecretValue');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Latest FalkorDB backup is 3 days old (max allowed: 7 days)';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it('masks fields named like secrets and redacts nested strings', () => {
    const out = redactValue({ password: 'x', nested: { apiKey: 'k', note: 'token=abc' }, list: ['sk-abcdefghijkl'], GRAPHITI_FALKORDB_PASSWORD: 'p' });
    expect(out).toEqual({ password: '***', nested: { apiKey: '***', note: 'token=***' }, list: ['***'], GRAPHITI_FALKORDB_PASSWORD: '***' });
  });
  it('does not mask unrelated names such as bypass flags', () => {
    expect(redactValue({ AUTO_CODEX_BYPASS_CODEX_SANDBOX: '1', keyCount: 3 })).toEqual({ AUTO_CODEX_BYPASS_CODEX_SANDBOX: '1', keyCount: 3 });
  });
  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactValue(a)).toEqual({ name: 'a', self: '[Circular]' });
  });
});

describe('redactValues', () => {
  it('replaces every occurrence of every non-empty value, patterns aside', () => {
    expect(redactValues('a pw b pw', ['pw', ''])).toBe('a *** b ***');
    expect(redactValues('token=abc', [])).toBe('token=abc');
  });
});
