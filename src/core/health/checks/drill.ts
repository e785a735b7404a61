import { listBackups } from '../../backup-store/catalog.js';
import { readDrillRecords, type DrillRecord } from '../../backup-store/drill-records.js';
import { escalate, fail, ok, skip, type CheckResult, type Check } from '../types.js';

const DAY = 24 * 3600_000;
const KINDS = [
  { kind: 'falkordb', label: 'FalkorDB' },
  { kind: 'userdata', label: 'userData' },
] as const;
const RANK = { fail: 3, warn: 2, ok: 1, skip: 0 } as const;

/** verdictFor judges the drills of one kind that has backups (the newest drill decides a failure; the newest success its age). */
function verdictFor(label: string, kind: string, drills: readonly DrillRecord[], maxDays: number, enforced: boolean, now: Date, backupDir: string): CheckResult {
  const hint = `Run \`autocodex-ops drill ${kind} --latest\` (it does not touch the live service) and schedule it monthly (README: drill).`;
  const newest = drills[0];
  if (!newest) return escalate(enforced, `No restore drill of a ${label} backup recorded in ${backupDir}`, hint);
  if (!newest.ok) return fail(`The newest ${label} restore drill (${newest.at}, ${newest.file}) failed: ${newest.problems.join('; ') || 'see the audit trail'}`, 'Drill an older backup to find one that loads, and fix the backups (`autocodex-ops backup verify`, the server logs).');
  const lastOk = drills.find((d) => d.ok)!;
  const days = (now.getTime() - Date.parse(lastOk.at)) / DAY;
  if (days < 0) return escalate(enforced, `The newest ${label} restore drill is dated in the future (${lastOk.at}): clock skew?`, hint);
  const what = kind === 'falkordb' ? `${lastOk.keys ?? '?'} keys` : 'files read';
  const text = `${days.toFixed(1)} days ago (${lastOk.file}, ${what})`;
  if (days > maxDays) return escalate(enforced, `The newest successful ${label} restore drill was ${text}; max allowed: ${maxDays} days`, hint);
  return ok(`Newest successful ${label} restore drill: ${text}`);
}

/**
 * restore-drill (issue 17): for each kind with backups (FalkorDB, userData), the newest successful
 * drill must be younger than AUTO_CODEX_DRILL_MAX_AGE_DAYS (default 92, a quarter; 0 disables):
 * warn, fail when backups are enforced (production). A failed newest drill fails: a backup that
 * does not load is an outage waiting. The worst verdict of the kinds is the check's.
 */
export const restoreDrillCheck: Check = {
  id: 'restore-drill',
  group: 'backups',
  title: 'restore drill',
  async run(ctx) {
    const { drillMaxAgeDays: maxDays, backupDir, enforce } = ctx.config;
    if (maxDays === 0) return ok('Restore drill check disabled (AUTO_CODEX_DRILL_MAX_AGE_DAYS=0)');
    const records = (await readDrillRecords(backupDir)).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    const verdicts: CheckResult[] = [];
    for (const { kind, label } of KINDS) {
      if ((await listBackups(backupDir, kind)).length === 0) continue;
      verdicts.push(verdictFor(label, kind, records.filter((r) => r.kind === kind), maxDays, enforce.backups, ctx.now(), backupDir));
    }
    if (verdicts.length === 0) return skip(`no FalkorDB or userData backups in ${backupDir} to drill (see backup-freshness)`);
    const worst = verdicts.reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a));
    const message = verdicts.map((v) => v.message).join('; ');
    const hints = [...new Set(verdicts.filter((v) => v.status !== 'ok' && v.hint).map((v) => v.hint!))];
    return { ...worst, message, ...(hints.length ? { hint: hints.join(' ') } : {}) };
  },
};
