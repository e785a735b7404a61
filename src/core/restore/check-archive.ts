import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readSidecar, sha256File } from '../archive/checksum.js';
import { isEncryptedArchive, noIdentityConfigured, type ArchiveKey } from '../archive/archive-encryption.js';
import { looksLikeFalkorData, readArchive, type ArchiveListing } from '../archive/read-archive.js';
import { readManifest, type ManifestView } from '../backups/manifest.js';
import { parseArchiveName, type BackupKind } from '../backups/naming.js';
import { MOUNT_TRAP_HINT } from '../backups/verify.js';
import { throwIfAborted, UsageError } from '../errors.js';
import { unsafeEntries } from './entry-rules.js';

/** Which restore reads the archive: the content and kind rules differ. */
export type RestoreFamily = 'falkordb' | 'userdata';

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
  warnings: string[];
  key?: ArchiveKey;
}

const FAMILY: Record<BackupKind, RestoreFamily> = {
  falkordb: 'falkordb',
  'falkordb-pre-restore': 'falkordb',
  userdata: 'userdata',
  'userdata-pre-restore': 'userdata',
};

function compareManifest(manifest: ManifestView, listing: ArchiveListing, problems: string[]): void {
  const a = manifest.archive;
  if (a.sha256 !== listing.sha256) problems.push(`checksum mismatch: the manifest says ${a.sha256}, the file hashes to ${listing.sha256}`);
  if (a.compressedBytes !== listing.compressedBytes) problems.push(`size mismatch: the manifest says ${a.compressedBytes} bytes, the file has ${listing.compressedBytes}`);
  if (a.entries !== listing.entries.length) problems.push(`the manifest lists ${a.entries} entries, the archive holds ${listing.entries.length}`);
  if (a.uncompressedBytes !== listing.tarBytes) problems.push(`the manifest says ${a.uncompressedBytes} uncompressed bytes, the archive holds ${listing.tarBytes}`);
}

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
  if (wrongKind) problems.push(`the archive is a ${kind} backup, not a userData one`);
  const content = listing.entries.filter((e) => e.path !== './' && e.path !== '.' && !options.skip?.has(e.path));
  if (content.length === 0) problems.push('the archive is empty: restoring it would replace the userData folder with an empty one');
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
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) {
    throw new UsageError(st.code === 'ENOENT' ? `Backup file not found: ${path}` : `Cannot read the backup file ${path}: ${st.message}`, {
      hint: 'Nothing was changed. `autocodex-ops backup list` shows the backups that exist.',
    });
  }
  if (!st.isFile()) throw new UsageError(`Not a regular file: ${path}`, { hint: 'Nothing was changed. Pass the path of a .tar.gz backup.' });

  const problems: string[] = [];
  const warnings: string[] = [];
  let listing: ArchiveListing | undefined;
  if (isEncryptedArchive(path) && !options.key) throw noIdentityConfigured(path);
  try {
    listing = await readArchive(path, signal, { key: options.key });
  } catch (err) {
    throwIfAborted(signal);
    // A wrong key is not a damaged archive: say so alone (exit 2, nothing touched).
    if (err instanceof UsageError && /^No identity matches/.test(err.message)) throw err;
    problems.push(`the archive does not read completely (truncated or corrupt): ${(err as Error).message}`);
  }
  const sidecar = await readSidecar(path);
  const actual = listing?.sha256 ?? (sidecar.state === 'ok' ? await sha256File(path, signal).catch(() => undefined) : undefined);
  if (sidecar.state === 'missing') warnings.push(`no checksum file ${basename(path)}.sha256: the archive's integrity cannot be compared with what was written`);
  else if (sidecar.state === 'invalid') problems.push(`the checksum file ${basename(path)}.sha256 is invalid (${sidecar.reason})`);
  else if (actual !== undefined && sidecar.sha256 !== actual) problems.push(`checksum mismatch: ${basename(path)}.sha256 says ${sidecar.sha256}, the file hashes to ${actual}`);

  const manifestState = await readManifest(path);
  const manifest = manifestState.state === 'ok' ? manifestState.manifest : undefined;
  if (manifestState.state === 'invalid') problems.push(`the manifest ${basename(path)}.manifest.json is invalid (${manifestState.reason})`);
  const kind = (manifest?.kind as BackupKind | undefined) ?? parseArchiveName(basename(path))?.kind;

  if (listing) {
    if (manifest) compareManifest(manifest, listing, problems);
    const plain = manifest?.encryption?.plaintextSha256;
    if (plain && listing.plaintext && plain !== listing.plaintext.sha256) problems.push(`the decrypted tar.gz hashes to ${listing.plaintext.sha256}, the manifest says ${plain}`);
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
    sidecar: sidecar.state === 'ok' ? 'match' : 'missing',
    ...(manifest ? { manifest } : {}),
    ...(kind ? { kind } : {}),
    warnings,
    ...(options.key ? { key: options.key } : {}),
  };
}
