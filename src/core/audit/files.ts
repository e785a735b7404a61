import { readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { exists } from '../fs/exists.js';
import { readdirOrEmpty } from '../fs/read-dir.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';

/**
 * The files of one trail, all beside `<path>`: rotated files `<name>.<YYYYmmdd-HHMMSS>[-N]`
 * (the app's rotation names, original-scripts.md §8, with `-N` when two rotations share a second),
 * the head `<name>.head`, and the append lock `<name>.lock`. Nothing else is ever touched.
 */

const ROTATED = /^(\d{8}-\d{6})(?:-(\d+))?$/;

/** A rotated file: its path and the sort key from its name. */
export interface RotatedFile {
  path: string;
  stamp: string;
  n: number;
}

/** headPath is where the trail at `path` keeps its head (the newest record's seq and hash). */
export const headPath = (path: string): string => `${path}.head`;

/** rotatedStamp formats a rotation time as the app did, `YYYYmmdd-HHMMSS`, but in UTC. */
export function rotatedStamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/**
 * listRotated returns the rotated files of the trail at `path`, oldest first. Only names that are
 * exactly `<name>.<YYYYmmdd-HHMMSS>` or `<name>.<YYYYmmdd-HHMMSS>-N` count, so a foreign
 * `<name>.bak` is never read, rotated over or pruned. A missing folder means no files.
 */
export async function listRotated(path: string): Promise<RotatedFile[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  const names = await readdirOrEmpty(dir);
  const out: RotatedFile[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = ROTATED.exec(name.slice(prefix.length));
    if (m) out.push({ path: join(dir, name), stamp: m[1]!, n: Number(m[2] ?? 0) });
  }
  return out.sort((a, b) => (a.stamp === b.stamp ? a.n - b.n : a.stamp < b.stamp ? -1 : 1));
}

/** trailFiles lists the files to read in order: rotated files oldest first, then `path` itself when it exists. */
export async function trailFiles(path: string): Promise<string[]> {
  const rotated = (await listRotated(path)).map((r) => r.path);
  return (await exists(path)) ? [...rotated, path] : rotated;
}

/**
 * rotateFile renames the live file to `<name>.<stamp>[-N]` and returns the new name. The name
 * always sorts after every existing rotated file (a pruned name is never reused, and a clock
 * that went backwards keeps the newest stamp with a higher N), so trail order is name order.
 * The caller holds the append lock, so no one else rotates meanwhile.
 */
export async function rotateFile(path: string, at: Date): Promise<string> {
  const newest = (await listRotated(path)).at(-1);
  let stamp = rotatedStamp(at);
  let n = 0;
  if (newest && newest.stamp >= stamp) [stamp, n] = [newest.stamp, newest.n + 1];
  const target = `${path}.${stamp}${n === 0 ? '' : `-${n}`}`;
  await rename(path, target);
  return target;
}

const tipSchema = z.object({ seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

/**
 * The head file: the newest record's seq and hash (so cutting records off the end shows), and
 * `base`, where the kept chain starts once rotation has pruned older files.
 */
export const headSchema = z.looseObject({
  v: z.literal(1),
  seq: tipSchema.shape.seq,
  hash: tipSchema.shape.hash,
  updatedAt: z.string(),
  base: tipSchema.optional(),
});
export type Head = z.infer<typeof headSchema>;

/** readHead returns the head of the trail at `path`, undefined when there is none, or `{ corrupt }` when it cannot be parsed. */
export async function readHead(path: string): Promise<Head | { corrupt: string } | undefined> {
  let raw: string;
  try {
    raw = await readFile(headPath(path), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = headSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : { corrupt: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  } catch {
    return { corrupt: 'not valid JSON' };
  }
}

/** writeHead replaces the head atomically (writeFileAtomic), mode 0600; errors propagate. */
export async function writeHead(path: string, head: Head): Promise<void> {
  await writeFileAtomic(headPath(path), `${JSON.stringify(head)}\n`, { replace: true, hint: `Fix that in ${dirname(path)} and rerun.` });
}
