import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../format-bytes.js';
import { messageOf, textPart, type Collected, type Collector } from './types.js';

export interface DiskDeps {
  backupDir: string;
  /** FalkorDB's data volume and its size as the engine counts it; rejects when the engine is unreachable. */
  dataVolume(): Promise<{ name: string; bytes?: number }>;
  /** The newest backup of each kind found in the backup folder. */
  newestBackups(): Promise<Array<{ kind: string; archive: string; bytes: number; createdAt: Date }>>;
  /** Free bytes where backups go (the folder, or its nearest existing parent). */
  freeBytes(path: string): Promise<number>;
  now(): Date;
  timeoutMs: number;
}

const size = (n: number) => `${formatBytes(n)} (${n} bytes)`;

function age(ms: number): string {
  const h = ms / 3_600_000;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} days`;
}

async function folderFiles(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const name of await readdir(dir)) {
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) {
      count += 1;
      bytes += st.size;
    }
  }
  return { count, bytes };
}

/**
 * diskCollector writes disk.txt: the data volume's size, the backup folder's size and file count,
 * the free space where backups go, and the newest backup of each kind with its age. Each figure
 * that cannot be had is written with the reason; the section itself never fails.
 */
export function diskCollector(deps: DiskDeps): Collector {
  return {
    id: 'disk',
    title: 'Disk',
    timeoutMs: deps.timeoutMs,
    async collect(): Promise<Collected> {
      const [volume, folder, free, newest] = await Promise.allSettled([deps.dataVolume(), folderFiles(deps.backupDir), deps.freeBytes(deps.backupDir), deps.newestBackups()]);
      const why = (r: PromiseRejectedResult) => `unknown (${messageOf(r.reason)})`;
      const lines = [
        `FalkorDB data volume: ${volume.status === 'fulfilled' ? `${volume.value.name}, ${volume.value.bytes === undefined ? 'size unknown (the engine did not say)' : size(volume.value.bytes)}` : why(volume)}`,
        `Backup folder: ${deps.backupDir}`,
        `  files: ${folder.status === 'fulfilled' ? `${folder.value.count}, ${size(folder.value.bytes)}` : why(folder)}`,
        `  free space: ${free.status === 'fulfilled' ? size(free.value) : why(free)}`,
        'Newest backups:',
      ];
      if (newest.status === 'rejected') lines.push(`  ${why(newest)}`);
      else if (!newest.value.length) lines.push('  none');
      else for (const b of newest.value) lines.push(`  ${b.kind}: ${b.archive}, ${size(b.bytes)}, made ${b.createdAt.toISOString()} (${age(deps.now().getTime() - b.createdAt.getTime())} ago)`);
      return { parts: [textPart('disk.txt', 'docker system df, the backup folder, statfs', `${lines.join('\n')}\n`)], skipped: [] };
    },
  };
}
