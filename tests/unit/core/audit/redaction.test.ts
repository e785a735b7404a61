import { readFile, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { attachAudit } from '../../../../src/app.js';
import { AuditSession } from '../../../../src/core/audit/session.js';
import { createRedactor, redactArgv } from '../../../../src/core/redact/redact.js';
import type { Runtime } from '../../../../src/runtime.js';
import { trailDir } from '../../../helpers/audit.js';

// The app's 15 rules (original-scripts.md §9): a secret for each, and what must survive.
const PATTERNS: [string, string, string][] = [
  ['1 sk-', 'sk-proj1234567890abcd', ''],
  ['2 sess-', 'sess-abcdefghij1234', ''],
  ['3 sk-ant-', 'sk-ant-api03-abcdefghij', ''],
  ['4 codex_oauth_', 'codex_oauth_abc.def-ghijk', ''],
  ['5 ghp_', 'ghp_abcdefghij1234', ''],
  ['6 gho_', 'gho_abcdefghij1234', ''],
  ['7 ghs_', 'ghs_abcdefghij1234', ''],
  ['8 ghr_', 'ghr_abcdefghij1234', ''],
  ['9 ghu_', 'ghu_abcdefghij1234', ''],
  ['10 github_pat_', 'github_pat_abcdefghij_1234', ''],
  ['11 lin_api_', 'lin_api_abcdefghij1234', ''],
  ['12 AIza', `AIza${'B'.repeat(35)}`, ''],
  ['13 ya29.', 'ya29.a0AfH6SMabcdefghij', ''],
  ['14 Bearer', 'Bearer opaque-token-value', 'Bearer '],
  ['15 key=value', 'api_key=opaque-key-value', 'api_key='],
];
const secretOf = (s: string) => s.replace(/^(Bearer |api_key=)/, '');

let dir: string;
let path: string;
beforeEach(async () => {
  ({ dir, path } = await trailDir());
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs one audited command through a real session and returns the trail file's text. */
async function record(args: string[], touch: Record<string, unknown> = {}, error?: Error, secrets: string[] = []): Promise<string> {
  const runtime: Runtime = {
    env: { AUTOCODEX_OPS_AUDIT_LOG: path },
    cwd: dir,
    home: dir,
    platform: 'linux',
    stdout: { write: () => true },
    stderr: { write: () => true },
    stdinIsTTY: false,
    prompt: async () => '',
    signal: new AbortController().signal,
  };
  const redactor = createRedactor();
  for (const s of secrets) redactor.addSecret(s);
  const session = new AuditSession(runtime, args, { version: '0', redactor, log: { warn: () => undefined, error: () => undefined } });
  const program = new Command('autocodex-ops').exitOverride();
  program.addCommand(new Command('lock-deps').argument('[words...]').allowUnknownOption().action(() => session.recorder.touch(touch)));
  await attachAudit(program, session).parseAsync(['node', 'x', ...args]);
  await session.finish(error ? 1 : 0, error);
  return readFile(path, 'utf8');
}

describe('no secret reaches the audit trail', () => {
  it.each(PATTERNS)('rule %s: in argv, details and the error message', async (_rule, sample, kept) => {
    const text = await record(['lock-deps', `--note=${sample}`, sample], { header: `x ${sample}`, list: [sample] }, new Error(`failed with ${sample}`));
    expect(text).not.toContain(secretOf(sample));
    const rec = JSON.parse(text);
    expect(rec.args).toEqual(['lock-deps', `--note=${kept}***`, `${kept}***`]);
    expect(rec.details).toEqual({ header: `x ${kept}***`, list: [`${kept}***`] });
    expect(rec.error).toBe(`failed with ${kept}***`);
  });

  it('masks --password=…, --password <value> and other secret-named flags in argv', async () => {
    const text = await record(['lock-deps', '--password=hunter2hunter', '--falkordb-password', 'p@ss w0rd', '--token', '-starts-with-dash', '--api-key=k3y', '--requirepass', 'rp', '--verbose', 'keep-me']);
    expect(JSON.parse(text).args).toEqual(['lock-deps', '--password=***', '--falkordb-password', '***', '--token', '***', '--api-key=***', '--requirepass', '***', '--verbose', 'keep-me']);
    for (const s of ['hunter2hunter', 'p@ss w0rd', 'starts-with-dash', 'k3y']) expect(text).not.toContain(s);
  });

  it('masks detail fields named like secrets', async () => {
    const text = await record(['lock-deps'], { password: 'plain-pw', nested: { apiKey: 'plain-key' }, archive: '/b/a.tar.gz' });
    expect(JSON.parse(text).details).toEqual({ password: '***', nested: { apiKey: '***' }, archive: '/b/a.tar.gz' });
  });
});

describe('audit details are results, not prose (issue 14/23 §6)', () => {
  it('a known secret value is not scrubbed out of a path that holds it as a word; the error message still is', async () => {
    const archive = '/srv/nightly/userdata_20260101_000000.tar.gz';
    const text = await record(['lock-deps'], { archive, pruned: [{ path: archive, reason: 'not among the newest 1 (--keep-last)' }] }, new Error('AUTH nightly failed'), ['nightly']);
    const rec = JSON.parse(text);
    expect(rec.details).toEqual({ archive, pruned: [{ path: archive, reason: 'not among the newest 1 (--keep-last)' }] });
    expect(rec.error).toBe('AUTH *** failed');
  });
});

describe('redactArgv', () => {
  it('leaves ordinary arguments alone and returns a new array', () => {
    const args = ['backup', 'falkordb', '--mode', 'save', '--output-dir', '/srv/b'];
    const out = redactArgv(args);
    expect(out).toEqual(args);
    expect(out).not.toBe(args);
  });
  it('masks redis URLs and requirepass inside one argument', () => {
    expect(redactArgv(['--url', 'redis://u:pw12345@h:6379', 'x --requirepass pw'])).toEqual(['--url', 'redis://u:***@h:6379', 'x --requirepass ***']);
  });
});
