import { stat } from 'node:fs/promises';
import { isEncryptedArchive, noIdentityConfigured, type ArchiveKey } from '../archive/archive-encryption.js';
import { looksLikeFalkorData, type ArchiveListing } from '../archive/read-archive.js';
import type { ManifestView } from './manifest.js';
import type { BackupKind } from './naming.js';
import { inspectArchive } from './verify.js';
import { archiveDataCollector } from './archive-data.js';
import type { ArchiveData } from '../falkordb/load-plan.js';
import { MOUNT_TRAP_HINT } from '../stack/falkor-data.js';
import { throwIfAborted, UsageError } from '../errors.js';
import { unsafeEntries } from './entry-rules.js';

/** Which restore reads the archive: the content and kind rules differ. */
export type RestoreFamily = 'falkordb' | 'userdata' | 'project';

/** How checkRestoreArchive judges an archive. */
export interface CheckArchiveOptions {
  family: RestoreFamily;
  /** falkordb: accept an archive without dump.rdb / appendonlydir, or made as another kind. */
  force: boolean;
  /** Entries the restore leaves out (userData's runtime lock files); they are neither checked nor extracted. */
  skip?: ReadonlySet<string>;
  signal?: AbortSignal;
  /** Identities for an age-encrypted archive; without them an `.age` archive is exit 10. */
  key?: ArchiveKey;
}

/** An archive that passed every check: what was read, and what the restore may still warn about. */
export interface CheckedArchive {
  path: string;
  /** SHA-256 of the file as read; extraction re-hashes the bytes it sends and must get the same. */
  sha256: string;
  listing: ArchiveListing;
  /** `missing` means no `.sha256` sidecar: the restore needs --yes or a typed confirmation. */
  sidecar: 'match' | 'missing';
  manifest?: ManifestView;
  kind?: BackupKind;
  /** falkordb: what FalkorDB data it holds (RDB heads, AOF counts), read in the same pass (issue 23 §8). */
  data?: ArchiveData;
  warnings: string[];
  /** The identities that opened it, for the extraction (an encrypted archive). */
  key?: ArchiveKey;
}

const FAMILY: Record<BackupKind, RestoreFamily> = {
  falkordb: 'falkordb',
  'falkordb-pre-restore': 'falkordb',
  userdata: 'userdata',
  'userdata-pre-restore': 'userdata',
  project: 'project',
  'project-pre-restore': 'project',
};

const FOLDER_OF: Record<Exclude<RestoreFamily, 'falkordb'>, string> = { userdata: 'userData', project: 'project .auto-codex' };

function contentProblems(options: CheckArchiveOptions, kind: BackupKind | undefined, listing: ArchiveListing, problems: string[], warnings: string[]): void {
  const wrongKind = kind !== undefined && FAMILY[kind] !== options.family;
  if (options.family === 'falkordb') {
    if (wrongKind) (options.force ? warnings : problems).push(`the archive is a ${kind} backup, not a FalkorDB one${options.force ? ' (restoring anyway: --force)' : ''}`);
    if (!looksLikeFalkorData(listing.entries)) {
      if (options.force) warnings.push('the archive holds neither dump.rdb nor appendonlydir; restoring it anyway (--force)');
      else problems.push(`the archive holds neither dump.rdb nor appendonlydir, so it restores no FalkorDB data (pass --force to restore it anyway). ${MOUNT_TRAP_HINT}`);
    }
    return;
  }
  const folder = FOLDER_OF[options.family];
  if (wrongKind) problems.push(`the archive is a ${kind} backup, not a ${folder} one`);
  const content = listing.entries.filter((e) => e.path !== './' && e.path !== '.' && !options.skip?.has(e.path));
  if (content.length === 0) problems.push(`the archive is empty: restoring it would replace the ${folder} folder with an empty one`);
}

/**
 * checkRestoreArchive runs every check of a restore before anything is touched: the path is an
 * existing regular file; it reads completely (every entry decompressed, gzip CRC and length); its
 * SHA-256 matches the `.sha256` sidecar and the manifest when they exist; the manifest's sizes and
 * entry count match; every entry is safe to extract (unsafeEntries); the kind and content fit the
 * family (FalkorDB data unless `force`; a non-empty userData archive). It rejects with one
 * UsageError (exit 2) listing every problem found, InterruptedError on abort; it never writes.
 */
export async function checkRestoreArchive(path: string, options: CheckArchiveOptions): Promise<CheckedArchive> {
  const { signal } = options;
  // An encrypted archive and no identity: exit 10 before reading it (issue 21).
  if (isEncryptedArchive(path) && !options.key && (await stat(path).then((s) => s.isFile(), () => false))) throw noIdentityConfigured(path);
  const collector = options.family === 'falkordb' ? archiveDataCollector() : undefined;
  const found = await inspectArchive(path, signal, options.key, collector?.onEntry);
  const unreadable = found.unreadable;
  if (unreadable?.reason === 'not-a-file') throw new UsageError(`Not a regular file: ${path}`, { hint: 'Nothing was changed. Pass the path of a .tar.gz backup.' });
  if (unreadable) {
    throw new UsageError(unreadable.reason === 'not-found' ? `Backup file not found: ${path}` : `Cannot read the backup file ${path} (${unreadable.message})`, {
      hint: 'Nothing was changed. `autocodex-ops backup list` shows the backups that exist.',
    });
  }
  const { listing, manifest, kind } = found;
  const problems = [...found.problems];
  const warnings = [...found.warnings];
  if (listing) {
    problems.push(...unsafeEntries(listing.entries, { skip: options.skip }));
    contentProblems(options, kind !== undefined && kind in FAMILY ? kind : undefined, listing, problems, warnings);
  }
  throwIfAborted(signal);
  if (problems.length > 0 || !listing) {
    throw new UsageError(`The archive ${path} cannot be restored:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'Nothing was changed. Pick another backup (`autocodex-ops backup list`), or check this one with `autocodex-ops backup verify <archive>`.',
    });
  }
  return {
    path,
    sha256: listing.sha256,
    listing,
    sidecar: found.sidecar === 'match' ? 'match' : 'missing',
    ...(manifest ? { manifest } : {}),
    ...(kind ? { kind } : {}),
    ...(collector ? { data: collector.result() } : {}),
    warnings,
    ...(options.key ? { key: options.key } : {}),
  };
}
