import type { StoredBackup } from '../backup-store/store-backup.js';
import type { VolumeStreamDocker } from '../docker/volume-stream.js';
import { InterruptedError, OpsError } from '../errors.js';
import { removeAside, type Aside } from './falkordb-aside.js';
import type { VolumeTarget } from '../stack/falkordb-volume.js';
import type { Phases, RestoreLog } from './phases.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** manualArchiveCommand archives the moved-aside folder by hand with plain tar into `dir`. Pure. */
export function manualArchiveCommand(aside: Aside, image: string, dir: string): string {
  const name = `${aside.folder.slice(1)}.tar.gz`;
  return `docker run --rm --network none --entrypoint tar -v ${quote(`${aside.volume}:/data:ro`)} -v ${quote(`${dir}:/backup`)} ${quote(image)} -czf ${quote(`/backup/${name}`)} -C ${quote(`/data/${aside.folder}`)} .`;
}

/**
 * keepWayBack finishes a restore whose new data runs: it waits for the safety archive of the
 * moved-aside data (started with the services) and deletes the folder only once that archive is
 * verified. When the archive fails, the folder stays and the error (exit 1, 130 on Ctrl-C) says
 * the restore itself is done and how to archive the folder by hand; a failed delete only warns.
 * Resolves with the archive's path.
 */
export async function keepWayBack(
  writing: Promise<{ stored: StoredBackup }>,
  ctx: { docker: VolumeStreamDocker; vt: VolumeTarget; aside: Aside; image: string; dir: string; phases: Phases; log: RestoreLog; signal?: AbortSignal },
): Promise<string> {
  const { aside, phases, log } = ctx;
  let path: string;
  try {
    path = (await phases.run('finishing the safety copy of the previous data', () => writing)).stored.written.path;
  } catch (error) {
    const text =
      `Restore done: volume ${aside.volume} holds the restored data and the services were started. ` +
      `But the safety copy of the previous data was not written: ${(error as Error).message}\n` +
      `The previous data stays in volume ${aside.volume}, folder ${aside.folder}; nothing was deleted.`;
    const hint = `Archive it by hand: ${manualArchiveCommand(aside, ctx.image, ctx.dir)}; then remove the folder (see README, "How a FalkorDB restore keeps a way back").`;
    throw ctx.signal?.aborted ? new InterruptedError(text, { hint, cause: error }) : new OpsError(text, { hint, cause: error });
  }
  log.info(`Safety copy written and verified: ${path}`);
  try {
    await phases.run('removing the moved-aside data', () => removeAside(ctx.docker, ctx.vt, aside));
  } catch (error) {
    log.warn(`The moved-aside folder ${aside.folder} stays in volume ${aside.volume} (${(error as Error).message}); ${path} holds the same data. Remove it before the next restore.`);
  }
  return path;
}
