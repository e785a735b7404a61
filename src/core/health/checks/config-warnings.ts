import { ok, warn, type Check } from '../types.js';

/**
 * config-warnings: what loading the configuration tolerated (an invalid AUTO_CODEX_BACKUP_MAX_AGE_DAYS,
 * an environment-only switch written into a .env file) is a counted warning, as the script counted it.
 */
export const configWarningsCheck: Check = {
  id: 'config-warnings',
  group: 'repository',
  title: 'configuration warnings',
  async run(ctx) {
    const { warnings } = ctx.config;
    if (warnings.length === 0) return ok('no configuration warnings');
    return warn(warnings.join(' '), 'Fix the values named above; `autocodex-ops config --show-origin` shows where each value comes from.');
  },
};
