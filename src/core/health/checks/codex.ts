import { join } from 'node:path';
import type { VarName } from '../../config/variables.js';
import { fail, ok, warn, type Check } from '../types.js';
import { installedCheck } from './toolchain.js';
import { exists } from '../../fs/exists.js';

const AUTH_KEYS: VarName[] = ['OPENAI_API_KEY', 'CODEX_CODE_OAUTH_TOKEN', 'CODEX_CONFIG_DIR'];


/**
 * codex-auth follows the scripts' shell fallback: the three keys in the environment, then in
 * auto-codex/.env, then ~/.codex/config.toml or auth.json unless AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR.
 * It names the source and never the value.
 */
export const codexAuthCheck: Check = {
  id: 'codex-auth',
  group: 'codex',
  title: 'Codex auth',
  async run(ctx) {
    const values = ctx.config.values;
    for (const kind of ['env', 'auto-codex/.env'] as const) {
      for (const key of AUTH_KEYS) {
        const origin = values[key].origin;
        const matches = kind === 'env' ? origin.kind === 'env' : origin.kind === 'file' && origin.file === kind;
        if (values[key].value !== undefined && matches) return ok(`Codex auth source: ${key} (${kind})`);
      }
    }
    if (!values.AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR.value) {
      const dir = join(ctx.home, '.codex');
      for (const file of ['config.toml', 'auth.json']) {
        if (await exists(join(dir, file))) return ok(`Codex auth source: DEFAULT_CODEX_CONFIG_DIR (~/.codex/${file})`);
      }
    }
    return fail(
      'Codex auth not found (set OPENAI_API_KEY/CODEX_CODE_OAUTH_TOKEN/CODEX_CONFIG_DIR)',
      'Set one of them in the environment or auto-codex/.env, or run `codex login` to create ~/.codex/auth.json.',
    );
  },
};

export const codexCliCheck = installedCheck({ id: 'codex-cli', group: 'codex', title: 'Codex CLI' }, 'codex', 'Codex CLI', 'Install it (`npm install -g @openai/codex`) and put `codex` on PATH.');

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
