import { unlink } from 'node:fs/promises';
import type { BackupRecord } from './catalog.js';
import type { BackupKind } from './naming.js';
import { isFutureDated } from './future-dated.js';

// original-scripts.md §2 step 7: the scripts pruned with a recursive `find -mtime +N -delete`,
// with no floor, so one missed night could delete every backup (offen#631). Here: only this
// kind's archives directly in the folder, the newest always kept, never fewer than keepMin, and a
// reason for every decision.

const DAY_MS = 86_400_000;

/** When backups may go: older than `retentionDays`, beyond the newest `keepLast`, never the newest `keepMin`. */
export interface RetentionPolicy {
  retentionDays?: number;
  keepLast?: number;
  /** Never keep fewer than this many (at least 1: the newest is always kept). */
  keepMin: number;
}

/** One planned action on one archive (or a leftover file), with the files it covers and why. */
export interface PruneDecision {
  kind: BackupKind;
  /** The archive, or the leftover file. */
  path: string;
  action: 'keep' | 'remove';
  reason: string;
  createdAt?: Date;
  /** What removal deletes, archive first, then its sidecars. */
  files: string[];
}

/** hasRetention tells whether the policy would ever remove anything (days or a count is set). */
export function hasRetention(policy: RetentionPolicy): boolean {
  return policy.retentionDays !== undefined || policy.keepLast !== undefined;
}

function ageText(ms: number): string {
  return ms < DAY_MS ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / DAY_MS).toFixed(1)} days`;
}

function filesOf(r: BackupRecord): string[] {
  return [r.archive, ...(r.hasSidecar ? [`${r.archive}.sha256`] : []), ...(r.hasManifest ? [`${r.archive}.manifest.json`] : [])];
}

function reasonToKeep(index: number, ageMs: number, policy: RetentionPolicy): string | undefined {
  const keepMin = Math.max(1, policy.keepMin);
  if (!hasRetention(policy)) return 'no retention set (--retention-days, BACKUP_RETENTION_DAYS or --keep-last)';
  if (index === 0) return 'newest backup (always kept)';
  if (index < keepMin) return `one of the newest ${keepMin} (--keep-min)`;
  if (policy.keepLast !== undefined && index < policy.keepLast) return `one of the newest ${policy.keepLast} (--keep-last)`;
  if (policy.retentionDays !== undefined && ageMs <= policy.retentionDays * DAY_MS) {
    return `${ageText(Math.max(0, ageMs))} old, within ${policy.retentionDays} days (--retention-days)`;
  }
  return undefined;
}

function reasonToRemove(ageMs: number, policy: RetentionPolicy): string {
  const days = policy.retentionDays;
  const last = policy.keepLast;
  if (days !== undefined && last !== undefined) return `${ageText(ageMs)} old: older than ${days} days and not among the newest ${last}`;
  if (days !== undefined) return `${ageText(ageMs)} old: older than ${days} days`;
  return `not among the newest ${last} (--keep-last)`;
}

/** What planPrune must keep whatever the policy says. */
export interface PlanOptions {
  /** The archive this run has just written: a run never removes its own backup (issue 23 §4). */
  keep?: string;
}

export const KEPT_AS_WRITTEN = 'written by this run (a run never removes its own backup)';
export const KEPT_AS_FUTURE = 'dated in the future (clock skew, or a file copied from elsewhere): kept, not counted among the newest; check it and remove it by hand';

/**
 * planPrune decides, for archives of ONE kind, which to keep and which to remove, each with a
 * reason. Backups are ranked by their time (manifest `createdAt`, else the file time), newest
 * first; one dated more than FUTURE_TOLERANCE_MS after `now` is kept but not ranked (see
 * future-dated.ts), and `options.keep` (the archive a run just wrote) always stays. An archive
 * goes only when no rule keeps it (the newest always stays, then the newest `keepMin`, the newest
 * `keepLast`, and everything at most `retentionDays` old). Without days or a count nothing is
 * removed. Pure: the records and `now` in, decisions (newest first) out. It throws TypeError
 * when the records mix kinds, because each kind keeps its own newest.
 */
export function planPrune(records: readonly BackupRecord[], policy: RetentionPolicy, now: Date, options: PlanOptions = {}): PruneDecision[] {
  const kinds = new Set(records.map((r) => r.kind));
  if (kinds.size > 1) throw new TypeError(`planPrune takes one kind at a time, got ${[...kinds].join(', ')}`);
  const sorted = [...records].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  let rank = 0;
  return sorted.map((r) => {
    const ageMs = now.getTime() - r.createdAt.getTime();
    const future = isFutureDated(r.createdAt, now);
    const ranked = future ? undefined : reasonToKeep(rank++, ageMs, policy);
    const keep = r.archive === options.keep ? KEPT_AS_WRITTEN : future ? KEPT_AS_FUTURE : ranked;
    return {
      kind: r.kind,
      path: r.archive,
      action: keep === undefined ? 'remove' : 'keep',
      reason: keep ?? reasonToRemove(ageMs, policy),
      createdAt: r.createdAt,
      files: filesOf(r),
    };
  });
}

/** removedWithReasons pairs each removed file with the reason its decision gave (for the audit trail). */
export function removedWithReasons(decisions: readonly Pick<PruneDecision, 'action' | 'reason' | 'files'>[], removed: readonly string[]): Array<{ path: string; reason: string }> {
  const gone = new Set(removed);
  return decisions.filter((d) => d.action === 'remove').flatMap((d) => d.files.filter((f) => gone.has(f)).map((path) => ({ path, reason: d.reason })));
}

/** What executePrune did: files removed and each file it could not remove. */
export interface PruneOutcome {
  removed: string[];
  failures: Array<{ path: string; error: Error }>;
}

/** How executePrune deletes a file (a test seam); a missing file must resolve. */
export type RemoveFile = (path: string) => Promise<void>;

const removeFile: RemoveFile = async (path) => {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
};

/**
 * executePrune deletes the files of every `remove` decision, archive first and its sidecars
 * after (so an archive never loses its checksum while it still exists). It never throws: a file
 * that cannot be removed is listed in `failures` and, when it is an archive, its sidecars stay.
 */
export async function executePrune(decisions: readonly PruneDecision[], remove: RemoveFile = removeFile): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { removed: [], failures: [] };
  for (const d of decisions) {
    if (d.action !== 'remove') continue;
    for (const path of d.files) {
      try {
        await remove(path);
        outcome.removed.push(path);
      } catch (error) {
        outcome.failures.push({ path, error: error as Error });
        if (path === d.files[0]) break;
      }
    }
  }
  return outcome;
}
