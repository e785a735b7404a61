import { listBackups } from '../../backup-store/catalog.js';
import { OpsError } from '../../errors.js';
import { escalate, ok, skip, type Check } from '../types.js';

const HOUR = 3600_000;
const KINDS = ['falkordb', 'userdata'] as const;

/**
 * offsite-freshness: the age of the newest offsite copy of each kind that has local backups,
 * against the same limit as backup-freshness (AUTO_CODEX_BACKUP_MAX_AGE_DAYS). Skipped without
 * AUTOCODEX_OPS_S3_URL; a store that cannot be listed is a warning (a failure when enforced).
 */
export const offsiteFreshnessCheck: Check = {
  id: 'offsite-freshness',
  group: 'backups',
  title: 'offsite copy freshness',
  minTimeoutMs: 30_000,
  async run(ctx) {
    const { backupMaxAgeDays: maxDays, enforce, backupDir } = ctx.config;
    let remote;
    try {
      remote = await ctx.offsiteNewest?.();
    } catch (err) {
      if (!(err instanceof OpsError) || err.exitCode === 130) throw err;
      return escalate(enforce.backups, `The offsite store cannot be listed: ${err.message}`, err.hint ?? 'Check AUTOCODEX_OPS_S3_URL, the endpoint and the credentials.');
    }
    if (!remote) return skip('no offsite store configured (AUTOCODEX_OPS_S3_URL)');
    if (maxDays === 0) return ok('Offsite age check disabled (AUTO_CODEX_BACKUP_MAX_AGE_DAYS=0)');
    const hint = 'Run `autocodex-ops backup push --missing`, and add --offsite (or AUTOCODEX_OPS_OFFSITE=always) to the scheduled backups.';
    const stale: string[] = [];
    const fresh: string[] = [];
    for (const kind of KINDS) {
      const hasLocal = (await listBackups(backupDir, kind)).length > 0;
      const newest = remote.newest.find((n) => n.kind === kind);
      if (!newest) {
        if (hasLocal) stale.push(`no ${kind} copy at ${remote.location}`);
        continue;
      }
      const hours = (ctx.now().getTime() - newest.at.getTime()) / HOUR;
      const text = `${kind} ${(hours / 24).toFixed(1)} days (${newest.name})`;
      (hours > maxDays * 24 ? stale : fresh).push(text);
    }
    if (stale.length > 0) return escalate(enforce.backups, `Offsite copies are missing or older than ${maxDays} days: ${stale.join('; ')}`, hint);
    if (fresh.length === 0) return skip(`no falkordb or userdata backups locally or at ${remote.location}`);
    return ok(`Newest offsite copies at ${remote.location}: ${fresh.join('; ')}`);
  },
};
