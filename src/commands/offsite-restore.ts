import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import { downloadArchive } from '../core/offsite/pull.js';
import { OFFSITE_DOWNLOAD, removeDownloadLeftovers } from '../core/backup-store/download-leftovers.js';
import { listJournals } from '../core/backup-store/restore-journal.js';
import { assertSafeOutputDir } from '../core/fs/safe-output-dir.js';
import { journalPlace } from '../app.js';
import { resolveRemote } from './backup-pull.js';
import { requireOffsite } from './offsite-shared.js';

/** An offsite archive downloaded for one restore: where it is, what it hashed to, and how to remove it. */
export interface FetchedArchive {
  url: string;
  path: string;
  sha256: string;
  dispose(): Promise<void>;
}

/**
 * fetchForRestore downloads `s3://bucket/key` (size and sha256 checked against the store) with its
 * sidecars into a hidden folder inside the backup folder (same disk, private); `dispose` removes it.
 */
export async function fetchForRestore(ctx: CommandContext, config: OpsConfig, url: string): Promise<FetchedArchive> {
  const offsite = await requireOffsite(ctx, config);
  const { store, key } = await resolveRemote(offsite, url);
  // Root downloads into the backup folder and removes folders there: only where no one else can redirect it.
  assertSafeOutputDir(config.backupDir, 'the backup folder');
  await mkdir(config.backupDir, { recursive: true, mode: 0o700 });
  const keep = (await listJournals(journalPlace(ctx, config))).flatMap((found) => ('journal' in found ? [found.journal.archive.path] : []));
  const removed = await removeDownloadLeftovers(config.backupDir, { keep });
  if (removed.length > 0) ctx.log.warn(`Removed the download folder(s) of killed restores: ${removed.join(', ')}`);
  const scratch = join(config.backupDir, `${OFFSITE_DOWNLOAD}${process.pid}-${randomBytes(4).toString('hex')}`);
  const dispose = () => rm(scratch, { recursive: true, force: true });
  try {
    const pulled = await downloadArchive(store, key, scratch, { signal: ctx.signal });
    ctx.log.info(`Downloaded ${pulled.url} (${pulled.bytes} bytes, sha256 verified) for the restore.`);
    ctx.audit.touch({ url: pulled.url });
    return { url: pulled.url, path: pulled.archive, sha256: pulled.sha256, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * withArchive hands `restore` a local path: a local argument as it is; an `s3://bucket/key` is
 * first downloaded (fetchForRestore), the restore runs on it with all its usual checks (and gets
 * the URL, which a FalkorDB restore records in its journal), and the download is removed afterwards
 * whatever happened.
 */
export async function withArchive<T>(ctx: CommandContext, config: OpsConfig, archive: string, run: (path: string, url?: string) => Promise<T>): Promise<T> {
  if (!archive.startsWith('s3://')) return run(resolve(ctx.runtime.cwd, archive));
  const fetched = await fetchForRestore(ctx, config, archive);
  try {
    return await run(fetched.path, fetched.url);
  } finally {
    await fetched.dispose();
  }
}
