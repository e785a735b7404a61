import { judgeCodexAuth } from '../../codex/auth-sources.js';
import { findCodexCli } from '../../codex/find-cli.js';
import { fail, ok, warn, type Check } from '../types.js';
import { versionOf } from './toolchain.js';

/**
 * codex-auth gives the app's verdict (auto-codex/core/auth.py, app-rules.md §1): the first valid
 * source of OPENAI_API_KEY, CODEX_CODE_OAUTH_TOKEN, CODEX_CONFIG_DIR, ~/.codex, with the app's format
 * rules. Like the script's fallback it reads the environment, then auto-codex/.env. Messages name the
 * source and the broken rule, never the value.
 */
export const codexAuthCheck: Check = {
  id: 'codex-auth',
  group: 'codex',
  title: 'Codex auth',
  async run(ctx) {
    const verdict = await judgeCodexAuth(ctx.config, ctx.home, ctx.cwd ?? ctx.config.root);
    const ignored = verdict.rejected.length ? `; ignored as the app does: ${verdict.rejected.join('; ')}` : '';
    if (verdict.source) return ok(`Codex auth source: ${verdict.source}${ignored}`);
    const why = verdict.rejected.length ? [...verdict.rejected] : ['OPENAI_API_KEY, CODEX_CODE_OAUTH_TOKEN and CODEX_CONFIG_DIR not set (environment, auto-codex/.env)'];
    if (verdict.defaultDirNote) why.push(verdict.defaultDirNote);
    return fail(
      `No valid Codex auth (the app would stop: "No Codex authentication found"): ${why.join('; ')}`,
      'Set a valid OPENAI_API_KEY or CODEX_CODE_OAUTH_TOKEN (20+ characters, no whitespace) or an existing CODEX_CONFIG_DIR in the environment or auto-codex/.env, or run `codex login` to create ~/.codex/auth.json.',
    );
  },
};

/** codex-cli looks where the app looks (PATH, then its fixed locations) and names the program found. */
export const codexCliCheck: Check = {
  id: 'codex-cli',
  group: 'codex',
  title: 'Codex CLI',
  async run(ctx) {
    const found = ctx.env ? await findCodexCli(ctx.env, ctx.home, process.platform) : undefined;
    const program = found?.path ?? 'codex';
    const version = ctx.env && !found ? 'missing' : await versionOf(ctx.exec, program, ctx.signal);
    if (version === 'missing') {
      return fail(
        'Codex CLI not found in PATH or the app\'s fixed locations (/opt/homebrew/bin, /usr/local/bin, /usr/bin, ~/.local/bin, ~/.npm-global/bin)',
        'Install it (`npm install -g @openai/codex`) and put `codex` on PATH.',
      );
    }
    return ok(`Codex CLI ${version}${found ? ` at ${found.path} (${found.via})` : ''}`);
  },
};

/** sandbox keeps the scripts' rules: empty or 0 is enforced; anything else warns, or fails when enforced. */
export const sandboxCheck: Check = {
  id: 'sandbox',
  group: 'codex',
  title: 'Codex sandbox',
  async run(ctx) {
    const bypass = ctx.config.values.AUTO_CODEX_BYPASS_CODEX_SANDBOX.value?.trim();
    const enforced = ctx.config.enforce.sandbox;
    if (bypass === undefined) return ok('Codex CLI sandbox enforced by default (AUTO_CODEX_BYPASS_CODEX_SANDBOX not set)');
    if (bypass === '0') return ok('Codex CLI sandbox enforced');
    const hint = 'Set AUTO_CODEX_BYPASS_CODEX_SANDBOX=0 (auto-codex/.env or the environment).';
    return enforced
      ? fail('Codex CLI sandbox must be enforced (set AUTO_CODEX_BYPASS_CODEX_SANDBOX=0)', hint)
      : warn(`Codex CLI sandbox bypass enabled (AUTO_CODEX_BYPASS_CODEX_SANDBOX=${bypass})`, hint);
  },
};
