import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTruthy } from '../../config/env-bool.js';
import type { VarName } from '../../config/variables.js';
import { fail, ok, warn, type Check } from '../types.js';

function uiFlag(id: string, name: VarName, risk: string): Check {
  return {
    id,
    group: 'security',
    title: name,
    async run(ctx) {
      if (!isTruthy(ctx.config.values[name].value)) return ok(`${name} not enabled`);
      const hint = `Unset ${name} (auto-codex-ui/.env, the root .env or the environment).`;
      return ctx.config.production ? fail(`${name}=true (disallowed in production)`, hint) : warn(`${name}=true (${risk})`, hint);
    },
  };
}

export const unsignedUpdatesCheck = uiFlag('unsigned-updates', 'AUTO_CODEX_ALLOW_UNSIGNED_UPDATES', 'disables checksum verification');
export const insecureTokenStorageCheck = uiFlag('insecure-token-storage', 'AUTO_CODEX_ALLOW_INSECURE_TOKEN_STORAGE', 'stores tokens in plaintext');

const POLICIES = ['conservative', 'standard', 'permissive'];

/** risk-policy reads `riskPolicy` from <userData>/settings.json (runbook "Risk Policy"). */
export const riskPolicyCheck: Check = {
  id: 'risk-policy',
  group: 'security',
  title: 'risk policy',
  async run(ctx) {
    const file = join(ctx.config.userdataDir, 'settings.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ok(`riskPolicy conservative (default; ${file} not found)`);
      return fail(`cannot read ${file}: ${(err as Error).message}`, 'Check the file permissions.');
    }
    let policy: unknown;
    try {
      policy = (JSON.parse(text) as { riskPolicy?: unknown }).riskPolicy;
    } catch {
      return fail(`${file} is not valid JSON`, 'Fix the file in the app settings or by hand; the app cannot read its settings either.');
    }
    if (policy === undefined) return ok('riskPolicy conservative (default; not set)');
    if (typeof policy !== 'string' || !POLICIES.includes(policy)) {
      return fail(`riskPolicy ${JSON.stringify(policy)} is not valid`, `Use one of ${POLICIES.join(', ')} in ${file}.`);
    }
    if (policy === 'permissive' && ctx.config.production) {
      return warn('riskPolicy permissive (unblocks high-impact automation)', 'Use conservative or standard in production unless you need it.');
    }
    return ok(`riskPolicy ${policy}`);
  },
};
