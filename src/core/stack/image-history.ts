import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { stamp } from '../backup-store/naming.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import { samePair, type ImagePair } from './image-tags.js';

// The history of deployed tag pairs (issue 6): a small JSON file under the root, appended to when
// the tool sees a pair it has not recorded as the newest one (healthcheck, backup, rollback itself)
// and whenever rollback changes the pair. `rollback images` without tags goes to the newest
// recorded pair that differs from the current one, like `cd -`: run twice, it returns.

/** Where a record came from. */
export type HistorySource = 'observed' | 'healthcheck' | 'backup' | 'rollback';

const entrySchema = z.object({
  falkordbTag: z.string().min(1),
  graphitiTag: z.string().min(1),
  falkordbImageId: z.string().optional(),
  graphitiImageId: z.string().optional(),
  recordedAt: z.string(),
  source: z.enum(['observed', 'healthcheck', 'backup', 'rollback']),
});
const fileSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) });

/** One recorded deployment: the tag pair, the image ids it resolved to, when and by whom it was seen. */
export type HistoryEntry = z.infer<typeof entrySchema>;

/** What reading the history found: its entries, oldest first, or why the file could not be used. */
export interface HistoryRead {
  entries: HistoryEntry[];
  /** Set when the file exists but is not a valid history; entries is then empty. */
  problem?: string;
}

/** The history's persistence; reads never throw for a missing or corrupt file. */
export interface ImageHistoryStore {
  readonly path: string;
  read(): Promise<HistoryRead>;
  /** Replaces the file atomically (temp, fsync, rename); a corrupt file is first moved aside as `<path>.corrupt-<stamp>`. */
  write(entries: HistoryEntry[]): Promise<void>;
}

/** Oldest entries beyond this many are dropped on write. */
export const HISTORY_LIMIT = 100;

/** imageHistoryPath is `<root>/.autocodex-ops/image-history.json`, beside the lock folder (run/lock-dir.ts). */
export function imageHistoryPath(root: string): string {
  return join(root, '.autocodex-ops', 'image-history.json');
}

/** fileImageHistory stores the history at `path`, creating its folder (0700, with a `*` .gitignore so the checkout stays clean). */
export function fileImageHistory(path: string, now: () => Date = () => new Date()): ImageHistoryStore {
  return {
    path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [] };
        return { entries: [], problem: `cannot be read (${(err as Error).message})` };
      }
      try {
        const parsed = fileSchema.safeParse(JSON.parse(text));
        return parsed.success ? { entries: parsed.data.entries } : { entries: [], problem: `is not a valid history (${parsed.error.issues[0]?.message})` };
      } catch {
        return { entries: [], problem: 'is not valid JSON' };
      }
    },
    async write(entries) {
      const dir = dirname(path);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, '.gitignore'), '*\n', { flag: 'wx', mode: 0o600 }).catch(() => undefined);
      if ((await this.read()).problem) await rename(path, `${path}.corrupt-${stamp(now())}`).catch(() => undefined);
      await writeFileAtomic(path, `${JSON.stringify({ version: 1, entries: entries.slice(-HISTORY_LIMIT) }, null, 2)}\n`, { replace: true, hint: `Fix that in ${dir} and rerun.` });
    },
  };
}

/** entryPair is the tag pair of an entry. */
export function entryPair(e: HistoryEntry): ImagePair {
  return { falkordb: e.falkordbTag, graphiti: e.graphitiTag };
}

/** previousEntry is the newest entry whose pair differs from `current`, or undefined. */
export function previousEntry(entries: readonly HistoryEntry[], current: ImagePair): HistoryEntry | undefined {
  return [...entries].reverse().find((e) => !samePair(entryPair(e), current));
}

/** A pair seen or deployed, with the image ids when known. */
export interface PairRecord extends ImagePair {
  falkordbImageId?: string;
  graphitiImageId?: string;
}

/**
 * recordPair appends `pair` unless it already is the newest entry (same tags), and returns whether
 * it wrote. A corrupt file is moved aside and a new history started; write errors reject.
 */
export async function recordPair(store: ImageHistoryStore, pair: PairRecord, source: HistorySource, now: Date): Promise<boolean> {
  const { entries } = await store.read();
  const newest = entries.at(-1);
  if (newest && samePair(entryPair(newest), pair)) return false;
  const entry: HistoryEntry = {
    falkordbTag: pair.falkordb,
    graphitiTag: pair.graphiti,
    ...(pair.falkordbImageId ? { falkordbImageId: pair.falkordbImageId } : {}),
    ...(pair.graphitiImageId ? { graphitiImageId: pair.graphitiImageId } : {}),
    recordedAt: now.toISOString(),
    source,
  };
  await store.write([...entries, entry]);
  return true;
}
