import { lstat, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readdirOrEmpty } from '../fs/read-dir.js';
import { isProcessAlive } from '../run/lock.js';

// `restore … s3://…` downloads into a hidden folder of the backup folder and removes it when the
// restore ends; a run killed with SIGKILL (or a power cut) cannot. The next download removes such
// folders, except one an interrupted FalkorDB restore's journal still names: its --resume uses it.

/** The hidden folder a restore from s3:// downloads into: `<prefix><pid>-<random>`. */
export const OFFSITE_DOWNLOAD = '.offsite-restore-';
const NAME = /^\.offsite-restore-(\d+)-[0-9a-f]+$/;

export interface DownloadLeftoverOptions {
  /** Archive paths interrupted restores' journals name (their folders are kept). */
  keep: ReadonlyArray<string>;
  isAlive?: (pid: number) => boolean;
}

/**
 * removeDownloadLeftovers removes, directly in `dir`, the download folders of restores whose
 * process is gone, not through a link and never one a journal names; returns the removed paths.
 */
export async function removeDownloadLeftovers(dir: string, options: DownloadLeftoverOptions): Promise<string[]> {
  const alive = options.isAlive ?? isProcessAlive;
  const kept = new Set(options.keep.map((p) => dirname(p)));
  const removed: string[] = [];
  for (const name of await readdirOrEmpty(dir)) {
    const pid = Number(NAME.exec(name)?.[1]);
    const path = join(dir, name);
    if (!pid || pid === process.pid || alive(pid) || kept.has(path)) continue;
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isDirectory()) continue; // a link or a file of that name is not ours to follow or remove
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
