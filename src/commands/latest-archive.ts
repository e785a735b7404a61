import type { CommandContext } from '../context.js';
import { listBackups } from '../core/backup-store/catalog.js';
import { futureDatedNote, newestDatedUpToNow } from '../core/backup-store/future-dated.js';
import type { BackupKind } from '../core/backup-store/naming.js';

/**
 * latestArchive is what `--latest` means for `backup verify` and `drill`: the newest backup of the
 * kind dated up to now. A future-dated one (clock skew, a foreign file; issue 23 §4) is passed over
 * with a warning, so a monthly drill keeps checking the real newest backup.
 */
export async function latestArchive(ctx: Pick<CommandContext, 'log'>, dir: string, kind: BackupKind): Promise<string | undefined> {
  const now = new Date();
  const { latest, skipped } = newestDatedUpToNow(await listBackups(dir, kind), now);
  for (const r of skipped) ctx.log.warn(`--latest passed over ${futureDatedNote(r.archive, r.createdAt, now)}.`);
  return latest?.archive;
}
