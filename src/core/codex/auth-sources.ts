import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { OpsConfig } from '../config/load.js';
import type { VarName } from '../config/variables.js';
import { isBlank, tokenRuleBroken } from './auth-rules.js';
import { readCodexToml } from './codex-toml.js';

/** Where the script's fallback reads a credential: the environment, then auto-codex/.env. */
type Where = 'env' | 'auto-codex/.env';

export interface AuthVerdict {
  /** The source the app would use (e.g. `OPENAI_API_KEY (env)`), or undefined when none is valid. */
  source?: string;
  /** Sources that were set but fail the app's rules, each naming the source and the rule (never the value). */
  rejected: string[];
  /** Why ~/.codex did not count, when it was looked at and did not. */
  defaultDirNote?: string;
}

function pick(config: OpsConfig, key: VarName): { value: string; where: Where } | undefined {
  const r = config.values[key];
  if (r.value === undefined) return undefined;
  if (r.origin.kind === 'env' || r.origin.kind === 'flag') return { value: r.value, where: 'env' };
  if (r.origin.kind === 'file' && r.origin.file === 'auto-codex/.env') return { value: r.value, where: 'auto-codex/.env' };
  return undefined;
}

const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);
const readText = (p: string) => readFile(p, 'utf8').catch(() => undefined);

/** The key hydration would copy from a Codex config folder (auth.json, else the provider's bearer token). */
async function hydratedKey(dir: string): Promise<{ value: string; file: string } | undefined> {
  const auth = await readText(join(dir, 'auth.json'));
  if (auth !== undefined) {
    try {
      const data = JSON.parse(auth) as Record<string, unknown>;
      for (const k of ['OPENAI_API_KEY', 'api_key', 'apiKey', 'key', 'token']) {
        if (typeof data[k] === 'string' && data[k]) return { value: data[k], file: 'auth.json' };
      }
    } catch {
      // the app ignores an unreadable auth.json here too
    }
  }
  const toml = await readText(join(dir, 'config.toml'));
  if (toml === undefined) return undefined;
  const parsed = readCodexToml(toml);
  const bearer = parsed.modelProvider ? parsed.providers[parsed.modelProvider]?.experimental_bearer_token : undefined;
  return bearer ? { value: bearer, file: 'config.toml' } : undefined;
}

/** has_default_codex_config_dir: ~/.codex with auth.json, or a config.toml whose model_provider has base_url or a bearer token. */
async function defaultDirNote(dir: string): Promise<string | undefined> {
  if (!(await isDir(dir))) return '~/.codex does not exist';
  if (await isFile(join(dir, 'auth.json'))) return undefined;
  const toml = await readText(join(dir, 'config.toml'));
  if (toml === undefined) return '~/.codex has neither auth.json nor config.toml';
  const parsed = readCodexToml(toml);
  if (isBlank(parsed.modelProvider)) return '~/.codex/config.toml has no model_provider';
  const p = parsed.providers[parsed.modelProvider!.trim()] ?? parsed.providers[parsed.modelProvider!];
  if (isBlank(p?.base_url) && isBlank(p?.experimental_bearer_token)) return `~/.codex/config.toml: model_providers.${parsed.modelProvider} has no base_url or experimental_bearer_token`;
  return undefined;
}

/**
 * judgeCodexAuth reproduces ensure_auth_hydrated + get_auth_source (app-rules.md §1): the first valid
 * of OPENAI_API_KEY (set, or copied from the Codex config folder), CODEX_CODE_OAUTH_TOKEN,
 * CODEX_CONFIG_DIR, ~/.codex. Invalid values are skipped as the app skips them, and reported.
 */
export async function judgeCodexAuth(config: OpsConfig, home: string, cwd: string): Promise<AuthVerdict> {
  const rejected: string[] = [];
  const apiKey = pick(config, 'OPENAI_API_KEY');
  const token = pick(config, 'CODEX_CODE_OAUTH_TOKEN');
  const dir = pick(config, 'CODEX_CONFIG_DIR');
  // AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR: any non-blank value disables, even 0.
  const defaultDisabled = !isBlank(config.values.AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR.value);
  const codexHome = join(home, '.codex');
  // The app does not expand ~ and resolves a relative folder against its working directory.
  const dirPath = dir && (isAbsolute(dir.value) ? dir.value : resolve(cwd, dir.value));

  let key: { value: string; label: string } | undefined = apiKey && { value: apiKey.value, label: `OPENAI_API_KEY (${apiKey.where})` };
  if (!key && !token) {
    const from = dirPath ?? (defaultDisabled ? undefined : codexHome);
    const found = from && (await hydratedKey(from));
    if (found) key = { value: found.value, label: `OPENAI_API_KEY (from ${dir ? `CODEX_CONFIG_DIR (${dir.where})` : '~/.codex'}/${found.file})` };
  }
  if (key) {
    const broken = tokenRuleBroken(key.value);
    if (!broken) return { source: key.label, rejected };
    rejected.push(`${key.label} is not a valid key: ${broken}`);
  }
  if (token) {
    const broken = tokenRuleBroken(token.value);
    if (!broken) return { source: `CODEX_CODE_OAUTH_TOKEN (${token.where})`, rejected };
    rejected.push(`CODEX_CODE_OAUTH_TOKEN (${token.where}) is not a valid token: ${broken}`);
  }
  if (dir) {
    if (await isDir(dirPath!)) return { source: `CODEX_CONFIG_DIR (${dir.where})`, rejected };
    rejected.push(`CODEX_CONFIG_DIR (${dir.where}) is not an existing directory`);
  }
  if (defaultDisabled) return { rejected, defaultDirNote: '~/.codex not considered (AUTO_CODEX_DISABLE_DEFAULT_CODEX_CONFIG_DIR is set)' };
  const note = await defaultDirNote(codexHome);
  if (!note) return { source: (await isFile(join(codexHome, 'auth.json'))) ? '~/.codex (auth.json)' : '~/.codex (config.toml model provider)', rejected };
  return { rejected, defaultDirNote: note };
}
