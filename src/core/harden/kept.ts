import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OpsError } from '../errors.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/write-file-atomic.js';

// `harden falkordb --keep-old`: the way back is kept for good, not only until `harden --cleanup`.
// Docker cannot label a container after it was created (the old one is only renamed), so the run
// records what it kept here, beside the harden journal; `harden --cleanup` leaves what is listed
// and names it with the command that removes it by hand.

/** What one --keep-old run kept: the renamed old container (Desktop UI) or the committed image (compose). */
export interface KeptItem {
  keptAt: string;
  container?: { id: string; name: string };
  image?: { id: string; ref: string };
}

/** keptPath is `<root>/.autocodex-ops/harden-kept.json`. */
export function keptPath(root: string): string {
  return join(root, '.autocodex-ops', 'harden-kept.json');
}

/** readKept returns what earlier --keep-old runs kept (none when there is no record); rejects (OpsError) on a damaged one. */
export async function readKept(path: string): Promise<KeptItem[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return [];
  let parsed: { kept?: unknown };
  try {
    parsed = JSON.parse(text) as { kept?: unknown };
  } catch {
    parsed = {};
  }
  // Unreadable: refuse rather than treat it as empty, which would let --cleanup remove what it kept.
  if (!Array.isArray(parsed.kept)) {
    throw new OpsError(`${path} is not a record of harden --keep-old runs (damaged?); nothing was changed.`, {
      hint: 'Look at it (it lists what --keep-old kept: containers by id, images by tag); fix or remove it, then run again.',
    });
  }
  return parsed.kept as KeptItem[];
}

/** addKept appends one item to the record (atomic replace, mode 0600). */
export async function addKept(path: string, item: KeptItem): Promise<void> {
  const kept = [...(await readKept(path)), item];
  await ensurePrivateDir(join(path, '..'));
  await writeFileAtomic(path, `${JSON.stringify({ kept }, null, 2)}\n`, { replace: true });
}

/** isKeptContainer: the container (by id) was kept by --keep-old. Pure. */
export function isKeptContainer(kept: readonly KeptItem[], id: string): boolean {
  return kept.some((k) => k.container?.id === id);
}

/** isKeptImage: the image (by id or tag) was kept by --keep-old. Pure. */
export function isKeptImage(kept: readonly KeptItem[], image: { id: string; ref: string }): boolean {
  return kept.some((k) => k.image && (k.image.id === image.id || k.image.ref === image.ref));
}
