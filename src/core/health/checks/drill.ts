import { listBackups } from '../../backup-store/catalog.js';
import { readDrillRecords } from '../../backup-store/drill-records.js';
import { escalate, fail, ok, skip, type Check } from '../types.js';

const DAY = 24 * 3600_000;

/**
 * restore-drill (issue 17): the newest successful drill of a FalkorDB backup must be younger than
 * AUTO_CODEX_DRILL_MAX_AGE_DAYS (default 92, a quarter; 0 disables): warn, fail when backups are
 * enforced (production). A failed newest drill fails: a backup that does not load is an outage waiting.
 */
export const restoreDrillCheck: Check = {
  id: 'restore-drill',
  group: 'backups',
  title: 'restore drill',
  async run(ctx) {
    const { drillMaxAgeDays: maxDays, backupDir, enforce } = ctx.config;
    if (maxDays === 0) return ok('Restore drill check disabled (AUTO_CODEX_DRILL_MAX_AGE_DAYS=0)');
    if ((await listBackups(backupDir, 'falkordb')).length === 0) return skip(`no FalkorDB backups in ${backupDir} to drill (see backup-freshness)`);
    const hint = 'Run `autocodex-ops drill falkordb --latest` (it does not touch the live service) and schedule it monthly (README: drill).';
    const drills = (await readDrillRecords(backupDir)).filter((r) => r.kind === 'falkordb').sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    const newest = drills[0];
    if (!newest) return escalate(enforce.backups, `No restore drill of a FalkorDB backup recorded in ${backupDir}`, hint);
    if (!newest.ok) return fail(`The newest restore drill (${newest.at}, ${newest.file}) failed: ${newest.problems.join('; ') || 'see the audit trail'}`, 'Drill an older backup to find one that loads, and fix the backups (`autocodex-ops backup verify`, the server logs).');
    const lastOk = drills.find((d) => d.ok)!;
    const days = (ctx.now().getTime() - Date.parse(lastOk.at)) / DAY;
    if (days < 0) return escalate(enforce.backups, `The newest restore drill is dated in the future (${lastOk.at}): clock skew?`, hint);
    const text = `${days.toFixed(1)} days ago (${lastOk.file}, ${lastOk.keys ?? '?'} keys)`;
    if (days > maxDays) return escalate(enforce.backups, `The newest successful restore drill was ${text}; max allowed: ${maxDays} days`, hint);
    return ok(`Newest successful restore drill: ${text}`);
  },
};
