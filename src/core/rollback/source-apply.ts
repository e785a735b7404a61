import { randomBytes } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { stamp } from '../backup-store/naming.js';
import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import { CleanupStack } from '../run/cleanup.js';
import type { SourceFs } from './source-fs.js';
import { safetyCopyPath, STAGING_PREFIX, type SourceLayout } from './source-layout.js';
import type { SourcePlan } from './source-plan.js';

// Each change is a rename inside the userData file system, so the app sees the old or the new
// source, never a half-copied one. The one gap is between the two renames of `--to previous`
// (moving the old override aside, moving the new one in): a journal written before the first
// rename lets the next run put the old override back after a crash or kill -9 in that gap.

/** What applySourceRollback needs: the file system, the clock, the run's signal and a logger. */
export interface SourceApplyDeps {
  fs: SourceFs;
  now(): Date;
  signal?: AbortSignal;
  log: { info(msg: string): void; warn(msg: string): void };
}

/** What was done: where the safety copy is, what was carried over. */
export interface SourceApplied {
  safetyCopy?: string;
  carriedOver: string[];
}

/** isInsideFolder tells whether `path` lies strictly below `folder` (no `..` way out). */
function isInsideFolder(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

const journalSchema = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  source: z.string(),
  staging: z.string(),
  safety: z.string().nullable(),
});
type Journal = z.infer<typeof journalSchema>;

/** moveEntry renames `from` to `to` and defers the rename back on `undo`. */
async function moveEntry(fs: SourceFs, undo: CleanupStack, from: string, to: string): Promise<void> {
  await fs.rename(from, to);
  undo.defer(`move ${to} back to ${from}`, () => fs.rename(to, from));
}

/**
 * applySourceRollback carries out a plan from planSourceRollback. `bundled` is one rename;
 * `previous` copies the updater's backup and the carried-over items into a staging folder, then
 * renames twice under a journal. On failure or abort every step done is undone (the error names
 * any undo that failed); an abort before the renames removes the staging folder and rejects with InterruptedError.
 */
export async function applySourceRollback(plan: SourcePlan, deps: SourceApplyDeps): Promise<SourceApplied> {
  const { fs } = deps;
  const { layout } = plan;
  throwIfAborted(deps.signal);
  await fs.mkdirPrivate(layout.rollbacks);
  // Re-pick the name under the lock: another run may have used the planned one since.
  const safety = plan.current ? await safetyCopyPath(fs, layout, deps.now()) : undefined;

  if (plan.to === 'bundled') {
    await fs.rename(layout.source, safety!);
    await syncAll(fs, layout);
    return { safetyCopy: safety, carriedOver: [] };
  }

  const staging = join(layout.rollbacks, `${STAGING_PREFIX}${stamp(deps.now())}-${randomBytes(3).toString('hex')}`);
  try {
    await fs.copy(layout.updaterBackup, staging);
    for (const item of plan.carryOver) {
      throwIfAborted(deps.signal);
      await fs.remove(join(staging, item));
      await fs.copy(join(layout.source, item), join(staging, item));
    }
    throwIfAborted(deps.signal);
  } catch (err) {
    await fs.remove(staging).catch((rmErr: Error) => deps.log.warn(`Could not remove the staging folder ${staging}: ${rmErr.message}`));
    throw err instanceof InterruptedError ? new InterruptedError('Interrupted while copying; nothing was changed and the staging folder was removed.') : err;
  }

  const journal: Journal = { version: 1, startedAt: deps.now().toISOString(), source: layout.source, staging, safety: safety ?? null };
  await fs.writeDurable(layout.journal, `${JSON.stringify(journal)}\n`);
  // From here on the signal is not checked: the two renames run back to back.
  // Undone only on failure; a success keeps both renames.
  const undo = new CleanupStack();
  try {
    if (safety) await moveEntry(fs, undo, layout.source, safety);
    await moveEntry(fs, undo, staging, layout.source);
  } catch (err) {
    const failures = await undo.runAll();
    await fs.remove(staging).catch(() => undefined);
    if (failures.length === 0) await fs.remove(layout.journal).catch(() => undefined);
    const message = `Could not install the previous source: ${(err as Error).message}.`;
    if (failures.length === 0) throw new OpsError(`${message} The current override was put back; nothing was changed.`, { cause: err });
    const why = failures.map((f) => `${f.label}: ${(f.error as Error).message}`).join('; ');
    throw new OpsError(`${message} Putting the current override back also failed: ${why}.`, {
      cause: err,
      hint: `Run \`autocodex-ops rollback source\` again to finish the recovery from ${layout.journal}, or move ${safety} back to ${layout.source} by hand.`,
    });
  }
  await syncAll(fs, layout);
  await fs.remove(layout.journal);
  return { safetyCopy: safety, carriedOver: [...plan.carryOver] };
}

async function syncAll(fs: SourceFs, layout: SourceLayout): Promise<void> {
  await fs.syncDir(layout.userdataDir);
  await fs.syncDir(layout.rollbacks);
}

/**
 * readPendingJournal returns the journal of a rollback that did not finish, or undefined; a
 * journal that cannot be parsed was cut while being written, before any rename, and counts as `torn`.
 */
export async function readPendingJournal(fs: SourceFs, layout: SourceLayout): Promise<Journal | 'torn' | undefined> {
  const text = await fs.readText(layout.journal);
  if (text === undefined) return undefined;
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'torn';
  } catch {
    return 'torn';
  }
}

/**
 * recoverInterruptedRollback finishes what a killed run left: it puts the old override back when it
 * was moved aside but the new one was not moved in, keeps a rollback that had completed, and removes
 * leftover staging folders and the journal. It returns what it did (undefined when there was nothing),
 * and rejects with OpsError naming the paths when the state matches no step of a rollback.
 */
export async function recoverInterruptedRollback(fs: SourceFs, layout: SourceLayout): Promise<string | undefined> {
  const journal = await readPendingJournal(fs, layout);
  let done: string | undefined;
  if (journal === 'torn') done = 'An interrupted rollback had not moved anything (its journal was cut short).';
  else if (journal) {
    if (journal.source !== layout.source) throw new OpsError(`The rollback journal ${layout.journal} names another folder (${journal.source}); move it away and check by hand.`);
    // The journal lies in a folder its user controls: every path in it must stay where a rollback writes.
    const outside = [journal.staging, journal.safety].filter((p): p is string => p !== null && !isInsideFolder(p, layout.rollbacks));
    if (outside.length) throw new OpsError(`The rollback journal ${layout.journal} names paths outside ${layout.rollbacks} (${outside.join(', ')}); nothing was changed.`, { hint: 'Move the journal away and check the folder by hand.' });
    const [source, staging, safety] = await Promise.all([fs.kind(journal.source), fs.kind(journal.staging), journal.safety ? fs.kind(journal.safety) : undefined]);
    if (source === undefined && safety !== undefined && journal.safety) {
      await fs.rename(journal.safety, journal.source);
      done = `An interrupted rollback (started ${journal.startedAt}) had moved the override aside; moved ${journal.safety} back to ${journal.source}.`;
    } else if (source !== undefined && staging !== undefined) {
      done = `An interrupted rollback (started ${journal.startedAt}) had not moved anything.`;
    } else if (source !== undefined && staging === undefined) {
      done = `An interrupted rollback (started ${journal.startedAt}) had completed${journal.safety ? `; the replaced override is in ${journal.safety}` : ''}.`;
    } else if (source === undefined && !journal.safety) {
      done = `An interrupted rollback (started ${journal.startedAt}) had not installed anything; the app runs its bundled source as before.`;
    } else {
      throw new OpsError(`An interrupted rollback left a state this tool does not recognise (${journal.source}, ${journal.staging}, ${journal.safety}).`, {
        hint: `Check those folders by hand, then remove ${layout.journal}.`,
      });
    }
  }
  const leftovers = (await fs.kind(layout.rollbacks)) === 'dir' ? (await fs.readdir(layout.rollbacks)).filter((n) => n.startsWith(STAGING_PREFIX)) : [];
  for (const name of leftovers) await fs.remove(join(layout.rollbacks, name));
  if (leftovers.length) done = `${done ? `${done} ` : ''}Removed ${leftovers.length} staging folder(s) left by an interrupted run.`;
  if (journal !== undefined) {
    await fs.syncDir(layout.userdataDir);
    await fs.remove(layout.journal);
  }
  return done;
}
