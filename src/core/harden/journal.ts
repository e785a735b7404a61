import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../fs/write-file-atomic.js';
import type { DoneEdit } from './env-edits.js';

// Every step of harden after the rescue is written here before it is taken, so that a run killed
// midway (SIGKILL, power cut) is undone by the next one: old container renamed back and started,
// files put back from their .bak, the half-made new container removed. The rescued backup stays.

/** What a run has done so far. */
export interface HardenJournal {
  startedAt: string;
  /** The old container: its id, its name before and after the rename. */
  old: { id: string; name: string; renamedTo: string };
  /** The new container, once created. */
  newId?: string;
  edits: DoneEdit[];
  rescued: string;
  /** compose: the old container committed as this image (compose removes the container itself on up). */
  committed?: string;
  /** compose: the old container's inspect document, to create it again from `committed`. */
  raw?: Record<string, unknown>;
  /**
   * The volume's content before harden replaced it (an older FalkorDB may have written a graph to
   * /data): a verified falkordb_pre_restore_* archive, put back into the volume by the undo.
   */
  volumeCopy?: { volume: string; path: string; sha256: string; helperImages: string[] };
}

/** journalPath is `<root>/.autocodex-ops/harden-journal.json`. */
export function journalPath(root: string): string {
  return join(root, '.autocodex-ops', 'harden-journal.json');
}

/** readJournal returns the journal of an unfinished run, or undefined. */
export async function readJournal(path: string): Promise<HardenJournal | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as HardenJournal);
}

/** writeJournal replaces the journal atomically (mode 0600). */
export async function writeJournal(path: string, journal: HardenJournal): Promise<void> {
  await ensurePrivateDir(join(path, '..'));
  await writeFileAtomic(path, `${JSON.stringify(journal, null, 2)}\n`, { replace: true });
}

/** clearJournal removes it once the run has finished or been undone. */
export async function clearJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}
