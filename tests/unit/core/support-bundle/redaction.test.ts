import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redactText } from '../../../../src/core/redact/redact.js';
import { maskEnvList } from '../../../../src/core/support-bundle/container-env.js';
import { maskInspect } from '../../../../src/core/support-bundle/collect-docker.js';
import { maskSettings } from '../../../../src/core/support-bundle/collect-userdata.js';
import { neverCollected } from '../../../../src/core/support-bundle/file-parts.js';
import { BundleRedactor, redactFile } from '../../../../src/core/support-bundle/redactor.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('BundleRedactor', () => {
  it('masks learned values, longest first, then the app patterns, and counts each value masked', () => {
    const r = new BundleRedactor(redactText);
    r.addSecret('hunter2hunter2');
    r.addSecret('hunter2hunter2-and-more');
    const out = r.redact('a hunter2hunter2-and-more b hunter2hunter2 c ghp_abcdefghijklmnop d Bearer xyz');
    expect(out.text).toBe('a *** b *** c *** d Bearer ***');
    expect(out.masked).toBe(4);
  });

  it('ignores values too short to be secrets, and learns the password inside server args', () => {
    const r = new BundleRedactor((t) => t);
    r.addSecret('yes');
    r.addSecret('--appendonly yes --requirepass s3cr3tpass');
    expect(r.redact('appendonly yes; auth s3cr3tpass').text).toBe('appendonly yes; auth ***');
  });

  it('masks JSON fields named like secrets, which the app patterns miss', () => {
    const r = new BundleRedactor(redactText);
    expect(r.redact('{"api_key": "plain-value", "apiKey":"x\\"y", "model": "gpt", "token": "***"}')).toEqual({
      text: '{"api_key": "***", "apiKey":"***", "model": "gpt", "token": "***"}',
      masked: 2,
    });
  });

  it('counts nothing in a clean text and leaves markers already there alone', () => {
    const r = new BundleRedactor(redactText);
    expect(r.redact('nothing *** here')).toEqual({ text: 'nothing *** here', masked: 0 });
  });
});

describe('redactFile', () => {
  async function file(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'sb-red-'));
    dirs.push(dir);
    const path = join(dir, 'log');
    await writeFile(path, text);
    return path;
  }

  it('redacts a secret that straddles the 256 KiB read boundary (whole lines only)', async () => {
    const r = new BundleRedactor(redactText);
    r.addSecret('SECRET-VALUE-1234567');
    const path = await file(`${'x'.repeat(256 * 1024 - 5)}SECRET-VALUE-1234567\nnext line\n`);
    let out = '';
    const copied = await redactFile(path, 0, r, async (t) => void (out += t));
    expect(out).not.toContain('SECRET');
    expect(out.endsWith('***\nnext line\n')).toBe(true);
    expect(copied).toEqual({ bytes: Buffer.byteLength(out), masked: 1 });
  });

  it('refuses a file that became a symbolic link after it was listed', async () => {
    const target = await file('secret elsewhere\n');
    const link = `${target}.link`;
    const { symlink } = await import('node:fs/promises');
    await symlink(target, link);
    await expect(redactFile(link, 0, new BundleRedactor((t) => t), async () => undefined)).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('stops at the listed size (a growing log), finishing the line cut there', async () => {
    const path = await file('one\ntwo two two\nthree\n');
    let out = '';
    await redactFile(path, 0, new BundleRedactor((t) => t), async (t) => void (out += t), undefined, 6);
    expect(out).toBe('one\ntwo two two\n');
  });

  it('from an offset starts at the next whole line', async () => {
    const path = await file('first line\nsecond line\nthird\n');
    let out = '';
    await redactFile(path, 3, new BundleRedactor((t) => t), async (t) => void (out += t));
    expect(out).toBe('second line\nthird\n');
  });
});

describe('masking', () => {
  it('keeps harmless container variables and masks the rest, reporting each masked value', () => {
    const seen: string[] = [];
    expect(maskEnvList(['PATH=/usr/bin', 'REDIS_ARGS=--requirepass pw123456', 'OPENAI_API_KEY=sk-x', 'EMPTY'], (v) => seen.push(v))).toEqual([
      'PATH=/usr/bin',
      'REDIS_ARGS=***',
      'OPENAI_API_KEY=***',
      'EMPTY=***',
    ]);
    expect(seen).toEqual(['--requirepass pw123456', 'sk-x', '']);
  });

  it('masks the environment of an inspect document without touching the original', () => {
    const raw = { Id: 'abc', Config: { Env: ['TZ=UTC', 'PASSWORD=pw'], Cmd: ['redis-server'] } };
    const masked = maskInspect(raw, () => undefined);
    expect(masked).toEqual({ Id: 'abc', Config: { Env: ['TZ=UTC', 'PASSWORD=***'], Cmd: ['redis-server'] } });
    expect(raw.Config.Env[1]).toBe('PASSWORD=pw');
  });

  it('keeps non-secret settings and masks secret keys and enc: blobs', () => {
    const seen: string[] = [];
    const out = maskSettings({ riskPolicy: 'standard', globalOpenAIApiKey: 'enc:QUJD', nested: { githubToken: 'ghp_plain', theme: 'dark' }, note: 'enc:zz' }, (v) => seen.push(v));
    expect(out).toEqual({ riskPolicy: 'standard', globalOpenAIApiKey: '***', nested: { githubToken: '***', theme: 'dark' }, note: '***' });
    expect(seen).toEqual(['enc:QUJD', 'ghp_plain', 'enc:zz']);
  });

  it.each([
    ['.env', true],
    ['.env.local', true],
    ['auth.json', true],
    ['codex-profiles.json', true],
    ['server.key', true],
    ['falkordb_data_20240101_000000.tar.gz', true],
    ['main.log', false],
    ['task_logs.json', false],
    ['environment.txt', false],
  ])('neverCollected(%s) is %s', (name, expected) => {
    expect(neverCollected(name)).toBe(expected);
  });
});
