import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codexAuthCheck, codexCliCheck } from '../../../../src/core/health/checks/codex.js';
import { tokenRuleBroken } from '../../../../src/core/codex/auth-rules.js';
import { readCodexToml } from '../../../../src/core/codex/codex-toml.js';
import { FakeExec } from '../../../helpers/fake-exec.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

const GOOD_SK = 'sk-abcdefghij0123456789';
const GOOD_PLAIN = 'x'.repeat(20);
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const emptyHome = tmp('aco-home-');

/** homeWith makes a home whose ~/.codex holds the given files. */
function homeWith(files: Record<string, string>): string {
  const home = tmp('aco-home-');
  mkdirSync(join(home, '.codex'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(home, '.codex', name), text);
  return home;
}
const existingDir = tmp('aco-codexdir-');
const dirWithKey = tmp('aco-codexdir-');
writeFileSync(join(dirWithKey, 'auth.json'), JSON.stringify({ api_key: GOOD_SK }));

describe('the app\'s token rule (is_valid_openai_api_key / is_valid_codex_oauth_token)', () => {
  it.each([
    [GOOD_SK, true],
    ['sk-' + 'a'.repeat(19), true], // 22 characters without whitespace: the second rule passes
    ['sk-abc', false],
    [GOOD_PLAIN, true],
    ['x'.repeat(19), false],
    ['short-key', false],
    ['tok123', false],
    ['abcdefghij klmnopqrstu', false],
    [`  ${GOOD_PLAIN}  `, true], // stripped first
    ['   ', false],
  ])('%j valid=%s', (value, valid) => {
    const broken = tokenRuleBroken(value);
    expect(broken === undefined).toBe(valid);
    if (broken && value.trim()) expect(broken).not.toContain(value.trim());
  });
});

describe('codex-auth gives the app\'s verdict', () => {
  it.each([
    ['valid sk key', { env: { OPENAI_API_KEY: GOOD_SK } }, 'ok', /^Codex auth source: OPENAI_API_KEY \(env\)$/],
    ['short key', { env: { OPENAI_API_KEY: 'short-key' } }, 'fail', /OPENAI_API_KEY \(env\) is not a valid key: it has 9 characters/],
    ['key with spaces', { env: { OPENAI_API_KEY: 'sk-abc defghij klmnopqrstuvwxyz' } }, 'fail', /OPENAI_API_KEY \(env\) is not a valid key: it contains whitespace/],
    ['short token', { env: { CODEX_CODE_OAUTH_TOKEN: 'tok123' } }, 'fail', /CODEX_CODE_OAUTH_TOKEN \(env\) is not a valid token/],
    ['missing dir', { env: { CODEX_CONFIG_DIR: '/nonexistent/codex' } }, 'fail', /CODEX_CONFIG_DIR \(env\) is not an existing directory/],
    ['existing dir', { env: { CODEX_CONFIG_DIR: existingDir } }, 'ok', /^Codex auth source: CODEX_CONFIG_DIR \(env\)$/],
    ['invalid key skipped, token used', { env: { OPENAI_API_KEY: 'short', CODEX_CODE_OAUTH_TOKEN: GOOD_PLAIN } }, 'ok', /source: CODEX_CODE_OAUTH_TOKEN \(env\); ignored as the app does: OPENAI_API_KEY \(env\)/],
    ['key before token', { env: { CODEX_CODE_OAUTH_TOKEN: GOOD_PLAIN }, files: { 'auto-codex/.env': `OPENAI_API_KEY=${GOOD_SK}` } }, 'ok', /source: OPENAI_API_KEY \(auto-codex\/\.env\)$/],
    ['auto-codex/.env token', { files: { 'auto-codex/.env': `CODEX_CODE_OAUTH_TOKEN=${GOOD_PLAIN}` } }, 'ok', /CODEX_CODE_OAUTH_TOKEN \(auto-codex\/\.env\)/],
    ['root .env does not count', { files: { '.env': `OPENAI_API_KEY=${GOOD_SK}` } }, 'fail', /not set/],
    ['key hydrated from CODEX_CONFIG_DIR', { env: { CODEX_CONFIG_DIR: dirWithKey } }, 'ok', /OPENAI_API_KEY \(from CODEX_CONFIG_DIR \(env\)\/auth\.json\)/],
  ])('%s', async (_n, o, status, message) => {
    const result = await codexAuthCheck.run(fakeHealthContext({ home: emptyHome, ...o }));
    expect(result).toMatchObject({ status, message: expect.stringMatching(message) });
    for (const secret of [GOOD_SK, 'short-key', 'tok123', 'defghij']) expect(JSON.stringify(result)).not.toContain(secret);
  });

  it.each([
    ['auth.json (content never read)', { 'auth.json': 'not json' }, {}, 'ok', /~\/\.codex \(auth\.json\)/],
    ['config.toml with a provider base_url', { 'config.toml': 'model_provider = "corp"\n[model_providers.corp]\nbase_url = "https://llm.example"\n' }, {}, 'ok', /~\/\.codex \(config\.toml/],
    ['config.toml without a provider', { 'config.toml': 'model = "gpt-5"\n' }, {}, 'fail', /config\.toml has no model_provider/],
    ['config.toml provider without url or token', { 'config.toml': 'model_provider = "corp"\n[model_providers.corp]\nname = "x"\n' }, {}, 'fail', /model_providers\.corp has no base_url/],
    ['disabled with any value, even 0', { 'auth.json': '{}' }, { AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR: '0' }, 'fail', /not considered/],
  ])('~/.codex: %s', async (_n, files, env, status, message) => {
    const result = await codexAuthCheck.run(fakeHealthContext({ home: homeWith(files), env }));
    expect(result).toMatchObject({ status, message: expect.stringMatching(message) });
  });

  it('~/.codex auth.json key that breaks the rule is reported, and the folder still counts', async () => {
    const result = await codexAuthCheck.run(fakeHealthContext({ home: homeWith({ 'auth.json': JSON.stringify({ OPENAI_API_KEY: 'tiny' }) }) }));
    expect(result).toMatchObject({ status: 'ok', message: expect.stringMatching(/source: ~\/\.codex \(auth\.json\); ignored as the app does: OPENAI_API_KEY \(from ~\/\.codex\/auth\.json\)/) });
  });
});

describe('readCodexToml', () => {
  it('reads model_provider and the provider table, quoted keys and comments included', () => {
    const t = readCodexToml('# c\nmodel_provider = "p" # here\n[model_providers."p"]\nexperimental_bearer_token = \'tok\'\n[other]\nmodel_provider = "no"\n');
    expect(t).toEqual({ modelProvider: 'p', providers: { p: { experimental_bearer_token: 'tok' } } });
  });
});

describe('codex-cli looks where the app looks', () => {
  const home = tmp('aco-home-');
  mkdirSync(join(home, '.local', 'bin'), { recursive: true });
  const local = join(home, '.local', 'bin', 'codex');
  writeFileSync(local, '#!/bin/sh\necho codex-cli 0.46.0\n');
  chmodSync(local, 0o755);
  const pathDir = tmp('aco-path-');

  it('finds ~/.local/bin/codex when PATH has none, and names it', async () => {
    const exec = new FakeExec({ [`${local} --version`]: { stdout: 'codex-cli 0.46.0' } });
    const result = await codexCliCheck.run(fakeHealthContext({ home, exec, programEnv: { PATH: pathDir } }));
    expect(result).toEqual({ status: 'ok', message: `Codex CLI 0.46.0 at ${local} (fixed location)` });
  });

  it('prefers PATH', async () => {
    const onPath = join(pathDir, 'codex');
    writeFileSync(onPath, '#!/bin/sh\n');
    chmodSync(onPath, 0o755);
    const exec = new FakeExec({ [`${onPath} --version`]: { stdout: 'codex-cli 0.50.1' } });
    expect((await codexCliCheck.run(fakeHealthContext({ home, exec, programEnv: { PATH: pathDir } }))).message).toBe(`Codex CLI 0.50.1 at ${onPath} (PATH)`);
  });

  it('fails when neither PATH nor the fixed locations hold it', async () => {
    const result = await codexCliCheck.run(fakeHealthContext({ home: emptyHome, programEnv: { PATH: tmp('aco-path-') } }));
    expect(result).toMatchObject({ status: 'fail', message: expect.stringMatching(/not found in PATH or the app's fixed locations/) });
  });

  it('without an environment runs codex by name', async () => {
    expect(await codexCliCheck.run(fakeHealthContext({ exec: new FakeExec({ 'codex --version': { stdout: 'codex-cli 0.46.0' } }) }))).toMatchObject({ status: 'ok', message: 'Codex CLI 0.46.0' });
  });
});
