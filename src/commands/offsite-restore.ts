import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import { downloadArchive } from '../core/offsite/pull.js';
import { resolveRemote } from './backup-pull.js';
import { requireOffsite } from './offsite-shared.js';

/**
 * withArchive hands `restore` a local path: a local argument as it is; an `s3://bucket/key` is
 * first downloaded (size and sha256 checked) with its sidecars into a hidden folder inside the
 * backup folder (same disk, private), the restore runs on it with all its usual checks, and the
 * folder is removed afterwards whatever happened.
 */
export async function withArchive<T>(ctx: CommandContext, config: OpsConfig, archive: string, run: (path: string) => Promise<T>): Promise<T> {
  if (!archive.startsWith('s3://')) return run(resolve(ctx.runtime.cwd, archive));
  const offsite = await requireOffsite(ctx, config);
  const { store, key } = await resolveRemote(offsite, archive);
  await mkdir(config.backupDir, { recursive: true, mode: 0o700 });
  const scratch = join(config.backupDir, `.offsite-restore-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const pulled = await downloadArchive(store, key, scratch, { signal: ctx.signal });
    ctx.log.info(`Downloaded ${pulled.url} (${pulled.bytes} bytes, sha256 verified) for the restore.`);
    ctx.audit.touch({ url: pulled.url });
    return await run(pulled.archive);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
