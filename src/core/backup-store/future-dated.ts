// Issue 23 §4: a backup's time comes from its manifest or its file time, both written by some
// clock. A clock that was wrong once, or an archive copied in from another machine, can date a
// backup in the future; ranked by time it would then stay "newest" for years, keep the real ones
// out of --keep-last and pass every freshness check. Such a backup is never trusted as newest.

/** How far ahead of this machine's clock a backup may be dated and still count (small skew between hosts sharing a folder). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** isFutureDated tells whether `at` lies more than FUTURE_TOLERANCE_MS after `now`. */
export function isFutureDated(at: Date, now: Date): boolean {
  return at.getTime() - now.getTime() > FUTURE_TOLERANCE_MS;
}

function ahead(ms: number): string {
  const h = ms / 3_600_000;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} days`;
}

/** futureDatedNote says, for one archive, how far in the future it is dated and what that means. */
export function futureDatedNote(archive: string, at: Date, now: Date): string {
  return `${archive} is dated ${at.toISOString()}, ${ahead(at.getTime() - now.getTime())} in the future (a clock that was wrong when it was written, or a file copied from elsewhere)`;
}

/**
 * newestDatedUpToNow picks the newest record that is not future-dated (what `--latest` means) and
 * lists the future-dated ones it passed over, for a warning. Records are expected newest first.
 */
export function newestDatedUpToNow<T extends { createdAt: Date }>(records: readonly T[], now: Date): { latest?: T; skipped: T[] } {
  const skipped = records.filter((r) => isFutureDated(r.createdAt, now));
  return { latest: records.find((r) => !isFutureDated(r.createdAt, now)), skipped };
}
