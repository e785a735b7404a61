import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../../../src/core/notify/mask-url.js';
import { buildMessage, describeFailures, sendNotification, type PostJson } from '../../../../src/core/notify/notify.js';

const limits = { timeoutMs: 50, retries: 2, backoffMs: 1 };
const message = buildMessage({ host: 'h', command: 'backup falkordb', outcome: 'failed', exitCode: 10, summary: 'backup falkordb failed (exit 10) after 0.1 s: Docker is down', details: { password: 'pw', archive: '/b/a.tar.gz' }, time: '2026-12-01T00:00:00.000Z' });

describe('maskUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T000/B000/XXXXSECRET', 'https://hooks.slack.com/***'],
    ['http://user:pa55@127.0.0.1:8080/hook?token=abc&x=1', 'http://***@127.0.0.1:8080/***?token=***&x=***'],
    ['https://example.com/', 'https://example.com'],
    ['not a url', '(invalid URL)'],
  ])('%s → %s', (url, masked) => expect(maskUrl(url)).toBe(masked));
});

describe('buildMessage', () => {
  it('has the contract fields, a chat text line, and secret fields redacted', () => {
    expect(message).toMatchObject({ tool: 'autocodex-ops', host: 'h', command: 'backup falkordb', outcome: 'failed', exitCode: 10, details: { password: '***' } });
    expect(message.text).toBe('❌ [autocodex-ops] h: backup falkordb failed (exit 10) after 0.1 s: Docker is down');
  });
});

describe('sendNotification', () => {
  const scripted = (answers: Array<number | Error>) => {
    const calls: string[] = [];
    const post: PostJson = async (url) => {
      calls.push(url);
      const next = answers.shift() ?? 200;
      if (next instanceof Error) throw next;
      return next;
    };
    return { calls, post };
  };

  it('retries a 5xx and a network error, at most twice', async () => {
    const { calls, post } = scripted([503, new Error('connect ECONNREFUSED'), 204]);
    expect(await sendNotification(['http://a/x'], message, limits, post)).toEqual([{ url: 'http://a/***', ok: true, attempts: 3 }]);
    expect(calls).toHaveLength(3);
    const failing = scripted([500, 500, 500, 200]);
    const [d] = await sendNotification(['http://a/x'], message, limits, failing.post);
    expect(d).toEqual({ url: 'http://a/***', ok: false, attempts: 3, error: 'HTTP 500' });
    expect(failing.calls).toHaveLength(3);
  });

  it('does not retry a 404, and never quotes the URL in an error', async () => {
    const { calls, post } = scripted([404]);
    expect((await sendNotification(['https://h/secret-path'], message, limits, post))[0]).toMatchObject({ ok: false, attempts: 1, error: 'HTTP 404' });
    expect(calls).toHaveLength(1);
    const leaky: PostJson = async (url) => {
      throw new Error(`getaddrinfo ENOTFOUND for ${url}`);
    };
    const [d] = await sendNotification(['https://h/secret-path?token=zzzz'], message, limits, leaky);
    expect(JSON.stringify(d)).not.toMatch(/secret-path|zzzz/);
    expect(describeFailures([d!])).toMatch(/^Could not notify 1 of 1 webhook\(s\): https:\/\/h\/\*\*\*\?token=\*\*\* \(getaddrinfo ENOTFOUND/);
  });
});
