import type { CheckedArchive } from '../backup-store/check-archive.js';
import type { ManifestFacts } from '../backup-store/manifest.js';
import { storeBackup } from '../backup-store/store-backup.js';
import { folderTar } from '../archive/folder-tar.js';
import type { ArchiveEncryption } from '../archive/archive-encryption.js';
import { ownerToActAs, type Identity } from '../fs/identity.js';
import type { CleanupStack } from '../run/cleanup.js';
import type { Phases, RestoreLog } from './phases.js';
import { extractToStaging, removeTree, siblingPath, swapIn, type ExtractOptions } from './userdata-swap.js';

/** One folder restore by rename: what to restore where, and what the safety copy records. */
export interface FolderSwapInput {
  checked: CheckedArchive;
  /** The folder to replace (userData, a project's `.auto-codex/`). */
  target: string;
  /** Whether it exists now (then it is archived first, and swapped out). */
  exists: boolean;
  /** As root on a user's folder: the staging, swap and removals run as this user. */
  as?: Identity;
  /** Entries left out of the extraction and of the safety copy. */
  skip: ReadonlySet<string>;
  folders?: ExtractOptions['folders'];
  /** How the phases name the folder: "the current folder", "the current .auto-codex/". */
  noun: string;
  /** The safety copy's manifest facts (createdAt is added here). */
  safetyFacts: Omit<ManifestFacts, 'createdAt'>;
  preRestoreDir: string;
}

/** What the shared restore steps need from the run. */
export interface FolderSwapDeps {
  stack: CleanupStack;
  phases: Phases;
  log: RestoreLog;
  now: () => Date;
  encryption?: ArchiveEncryption;
  signal?: AbortSignal;
}

/**
 * restoreFolderBySwap is the part `restore userdata` and `restore project` share: extract beside
 * the target (a staging folder removed whatever happens), archive the current folder as a verified
 * safety copy (never pruned), then swap by two renames so one complete folder exists at every
 * moment, and delete the replaced one. Before the swap a failure leaves the target untouched.
 * It returns the safety copy's path (null when there was no folder) and warnings for the result.
 */
export async function restoreFolderBySwap(input: FolderSwapInput, deps: FolderSwapDeps): Promise<{ safety: string | null; warnings: string[] }> {
  const { phases, log, signal } = deps;
  const warnings: string[] = [];
  const staging = siblingPath(input.target, 'restore');
  deps.stack.defer('remove the staging folder', async () => void (await removeTree(staging, input.as)));
  await phases.run('extracting the archive into a staging folder', () =>
    extractToStaging(input.checked, staging, { skip: input.skip, signal, as: input.as, ...(input.folders ? { folders: input.folders } : {}) }),
  );
  let safety: string | null = null;
  if (input.exists) {
    const stored = await phases.run(`taking the safety copy of ${input.noun}`, async () => {
      const source = await folderTar(input.target, { as: ownerToActAs(input.target), exclude: input.skip, onWarning: (m) => log.warn(`A file changed or vanished while it was read: ${m}`) });
      // A read error before the writer's pipeline listens must not be an uncaught exception.
      source.on('error', () => undefined);
      try {
        return await storeBackup({
          dir: input.preRestoreDir,
          encryption: deps.encryption,
          facts: { ...input.safetyFacts, createdAt: deps.now() },
          source,
          // Never prune here: the safety copies are what an operator falls back on after an incident.
          policy: { keepMin: 1 },
          now: deps.now,
          log,
          signal,
        });
      } finally {
        source.destroy();
      }
    });
    safety = stored.written.path;
    log.info(`Safety copy written and verified: ${safety}`);
  }
  const aside = await phases.run(`moving the restored ${input.noun.replace(/^the current /, '')} into place`, () => swapIn(input.target, staging, input.exists, input.as));
  if (aside && !(await removeTree(aside, input.as))) {
    warnings.push(`The replaced folder could not be deleted; remove it by hand: ${aside}`);
    log.warn(warnings.at(-1)!);
  }
  return { safety, warnings };
}
