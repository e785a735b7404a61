import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../run/lock.js';
import { parseArchiveName, type BackupKind } from './naming.js';
import type { PruneDecision } from './prune.js';
import { readdirOrEmpty } from '../fs/read-dir.js';
import { parseTempName } from '../fs/write-file-atomic.js';

// A run killed with SIGKILL (or a power cut) cannot remove its temporary file (named by
// fs/write-file-atomic.ts's tempPathFor). A sidecar whose archive is gone (deleted by hand) is
// debris too. Both are removed with the kind's prune, never anything else.

const SIDECAR = /^(.+\.tar\.gz(?:\.age)?)(\.sha256|\.manifest\.json)$/;
const GRACE_MS = 3_600_000;

/** Seams for findLeftovers: the clock and how to tell a live process. */
export interface LeftoverOptions {
  now: Date;
  isAlive?: (pid: number) => boolean;
  /** Project kinds: only this project's leftovers. */
  label?: string;
}

/**
 * findLeftovers lists, directly in `dir`, this kind's temporary files left by a run that died
 * (its pid is gone and the file is over an hour old) and sidecars whose archive no longer exists,
 * each as a `remove` decision with its reason. A missing folder yields []; other errors reject.
 */
export async function findLeftovers(dir: string, kind: BackupKind, options: LeftoverOptions): Promise<PruneDecision[]> {
  const alive = options.isAlive ?? isProcessAlive;
  const names = await readdirOrEmpty(dir);
  const present = new Set(names);
  const out: PruneDecision[] = [];
  const ours = (archiveName: string) => {
    const parsed = parseArchiveName(archiveName);
    return parsed?.kind === kind && (options.label === undefined || parsed.label === options.label);
  };
  for (const name of names) {
    const temp = parseTempName(name);
    // The temporary file of an archive or of one of its sidecars.
    if (temp && ours(SIDECAR.exec(temp.finalName)?.[1] ?? temp.finalName)) {
      const st = await stat(join(dir, name)).catch(() => undefined);
      const pid = temp.pid;
      if (!st?.isFile() || options.now.getTime() - st.mtimeMs < GRACE_MS || pid === process.pid || alive(pid)) continue;
      out.push({ kind, path: join(dir, name), action: 'remove', reason: `temporary file left by an interrupted run (pid ${pid})`, files: [join(dir, name)] });
      continue;
    }
    const sidecar = SIDECAR.exec(name);
    if (sidecar && !present.has(sidecar[1]!) && ours(sidecar[1]!)) {
      out.push({ kind, path: join(dir, name), action: 'remove', reason: 'sidecar of an archive that no longer exists', files: [join(dir, name)] });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
