import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { redactText, redactValue } from '../redact/redact.js';
import { maskUrl } from './mask-url.js';

/**
 * Webhook notifications after a run (issue 25): one JSON POST per URL with the fields a script
 * reads plus a `text` line Slack, Mattermost and Discord-compatible incoming webhooks show.
 * Bounded: each attempt has a timeout and there are at most two retries; a notification that
 * fails is reported, never thrown, so it cannot change the command's exit status.
 */

/** The document POSTed (`text` for chat webhooks; everything redacted). */
export interface NotifyMessage {
  tool: 'autocodex-ops';
  host: string;
  command: string;
  outcome: 'ok' | 'failed' | 'interrupted';
  exitCode: number;
  summary: string;
  details: Record<string, unknown>;
  time: string;
  text: string;
}

/** How one URL fared: masked, whether it was delivered, after how many attempts, and why not. */
export interface Delivery {
  url: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

/** One HTTP POST: resolves the status code, rejects on a network error or timeout. */
export type PostJson = (url: string, body: string, timeoutMs: number) => Promise<number>;

/** Limits of one notification: per-attempt timeout, retries after the first attempt, pause between. */
export interface NotifyLimits {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

/** The default limits: at most 3 attempts of 2.5 s each with short pauses, under 9 s per URL. */
export const DEFAULT_LIMITS: NotifyLimits = { timeoutMs: 2500, retries: 2, backoffMs: 300 };

/** postJson is the real POST over node:http(s); the response body is drained and ignored. */
export const postJson: PostJson = (url, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      target,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'autocodex-ops' }, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    // `timeout` only fires on an idle socket; the hard limit covers a server that trickles.
    const hard = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('close', () => clearTimeout(hard));
    req.end(body);
  });

// Not unref'd: the pause must keep the process alive until the run's exit code is set.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A 4xx other than 408/429 will not get better by asking again.
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

async function deliver(url: string, body: string, limits: NotifyLimits, post: PostJson): Promise<Delivery> {
  let error = '';
  for (let attempt = 1; attempt <= limits.retries + 1; attempt += 1) {
    try {
      const status = await post(url, body, limits.timeoutMs);
      if (status >= 200 && status < 300) return { url: maskUrl(url), ok: true, attempts: attempt };
      error = `HTTP ${status}`;
      if (!retryable(status)) return { url: maskUrl(url), ok: false, attempts: attempt, error };
    } catch (err) {
      // The error text can quote the URL (and with it a token): never pass it on unredacted.
      error = redactText((err as Error).message.split(url).join(maskUrl(url)));
    }
    if (attempt <= limits.retries) await sleep(limits.backoffMs * attempt);
  }
  return { url: maskUrl(url), ok: false, attempts: limits.retries + 1, error };
}

/** buildMessage assembles the redacted document, with the chat `text` line `[autocodex-ops] host: summary`. */
export function buildMessage(fields: Omit<NotifyMessage, 'tool' | 'text'>): NotifyMessage {
  const icon = fields.outcome === 'ok' ? '✅' : '❌';
  const msg: NotifyMessage = { tool: 'autocodex-ops', ...fields, text: `${icon} [autocodex-ops] ${fields.host}: ${fields.summary}` };
  return redactValue(msg);
}

/** sendNotification POSTs the message to every URL at once and reports each delivery; it never rejects. */
export async function sendNotification(urls: readonly string[], message: NotifyMessage, limits: NotifyLimits = DEFAULT_LIMITS, post: PostJson = postJson): Promise<Delivery[]> {
  const body = JSON.stringify(message);
  return Promise.all(urls.map((url) => deliver(url, body, limits, post).catch((err: Error) => ({ url: maskUrl(url), ok: false, attempts: 1, error: redactText(err.message) }))));
}

/** describeFailures says which deliveries failed and why, in one line, with masked URLs; '' when all went through. */
export function describeFailures(deliveries: readonly Delivery[]): string {
  const failed = deliveries.filter((d) => !d.ok);
  if (!failed.length) return '';
  return `Could not notify ${failed.length} of ${deliveries.length} webhook(s): ${failed.map((d) => `${d.url} (${d.error}, ${d.attempts} attempt(s))`).join('; ')}.`;
}
