import { ok, warn, type Check } from '../types.js';

/**
 * config-warnings: what loading the configuration tolerated (an invalid AUTO_CODEX_BACKUP_MAX_AGE_DAYS,
 * an environment-only switch written into a .env file) is a counted warning, as the script counted it;
 * so is an AUTO_CODEX_AUDIT_LOG someone relies on, which the app never writes.
 */
export const configWarningsCheck: Check = {
  id: 'config-warnings',
  group: 'repository',
  title: 'configuration warnings',
  async run(ctx) {
    const warnings = [...ctx.config.warnings];
    // Said plainly, as the README says it: the variable looks like an audit log the app keeps, and it is not.
    if (ctx.config.audit.appLog) {
      warnings.push(
        'AUTO_CODEX_AUDIT_LOG is set, but the app never writes that file (its writer in security/hooks.py has no caller): it is no audit log; the trail of ops actions is AUTOCODEX_OPS_AUDIT_LOG.',
      );
    }
    if (warnings.length === 0) return ok('no configuration warnings');
    return warn(warnings.join(' '), 'Fix the values named above; `autocodex-ops config --show-origin` shows where each value comes from.');
  },
};
