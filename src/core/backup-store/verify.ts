import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readSidecar, sha256File } from '../archive/checksum.js';
import { looksLikeFalkorData, readArchive, type ArchiveListing, type ReadArchiveOptions } from '../archive/read-archive.js';
import { isEncryptedArchive, type ArchiveKey } from '../archive/archive-encryption.js';
import { readAgeHeader } from '../crypto/key-files.js';
import { throwIfAborted } from '../errors.js';
import { MOUNT_TRAP_HINT } from '../stack/falkor-data.js';
import { readManifest, type ManifestView } from './manifest.js';
import { parseArchiveName, type BackupKind } from './naming.js';

// The one archive verifier: inspectArchive reads an archive once and says what is wrong with its
// integrity. `backup verify` adds the content rules of its kind, restore adds its entry rules and
// refuses, the backup-integrity check escalates by policy.

/** What inspectArchive found: the archive as read, and its integrity problems and warnings. */
export interface ArchiveInspection {
  archive: string;
  /** Why the path cannot be read as a file at all (then nothing else was looked at). */
  unreadable?: { reason: 'not-found' | 'not-a-file' | 'error'; message: string };
  listing?: ArchiveListing;
  /** SHA-256 of the file as read (also when it does not decompress, if a sidecar needs comparing). */
  sha256?: string;
  sidecar: 'match' | 'missing' | 'bad';
  manifestState: 'ok' | 'missing' | 'invalid';
  manifest?: ManifestView;
  /** From the manifest, else from the file name. */
  kind?: BackupKind;
  /** Integrity problems: it does not read completely, a checksum or a manifest disagrees or is invalid. */
  problems: string[];
  /** Missing sidecar, a sidecar naming another file: worth saying, not a failure. */
  warnings: string[];
  /**
   * For an age-encrypted archive (issue 21): `content` when it was decrypted and read, `header`
   * when there was no identity, so only its age header and checksums were checked (no listing).
   */
  encrypted?: { checked: 'content' | 'header' };
}

/**
 * inspectArchive reads `archive` once: every entry decompressed and the tar structure complete,
 * its SHA-256 against the `.sha256` sidecar and the manifest, the manifest's sizes and entry count
 * against what was read. It never throws for a bad archive (the problems say why); only an abort
 * rejects, with InterruptedError.
 */
export async function inspectArchive(archive: string, signal?: AbortSignal, key?: ArchiveKey, onEntry?: ReadArchiveOptions['onEntry']): Promise<ArchiveInspection> {
  const name = basename(archive);
  const problems: string[] = [];
  const warnings: string[] = [];
  const st = await stat(archive).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error || !st.isFile()) {
    const unreadable = st instanceof Error
      ? { reason: st.code === 'ENOENT' ? ('not-found' as const) : ('error' as const), message: st.code === 'ENOENT' ? 'archive not found' : `cannot read the archive: ${st.message}` }
      : { reason: 'not-a-file' as const, message: 'not a regular file' };
    return { archive, unreadable, sidecar: 'bad', manifestState: 'missing', problems: [unreadable.message], warnings };
  }

  let listing: ArchiveListing | undefined;
  const encrypted = isEncryptedArchive(archive);
  const headerOnly = encrypted && !key;
  if (headerOnly) {
    // No identity (a server that holds only public keys): check what can be checked without one.
    await readAgeHeader(archive).catch((err: Error) => problems.push(err.message));
    warnings.push('encrypted, and no identity is configured (AUTOCODEX_OPS_AGE_IDENTITY): only its age header and checksums were checked, not its content');
  } else {
    try {
      listing = await readArchive(archive, signal, { key, onEntry });
    } catch (err) {
      throwIfAborted(signal);
      const message = (err as Error).message;
      // A wrong key is not a damaged archive: say it as it is.
      problems.push(/^No identity matches/.test(message) ? message : `the archive does not read completely (truncated or corrupt): ${message}`);
    }
  }
  const sidecar = await readSidecar(archive);
  // A file that does not decompress is still hashed when a sidecar can tell a mismatch from a truncation.
  const sha256 = listing?.sha256 ?? (sidecar.state === 'ok' || headerOnly ? await sha256File(archive, signal).catch(() => undefined) : undefined);
  if (sidecar.state === 'missing') warnings.push(`no checksum file ${name}.sha256: the archive's integrity cannot be compared with what was written (archives of the original scripts have none)`);
  else if (sidecar.state === 'invalid') problems.push(`the checksum file ${name}.sha256 is invalid (${sidecar.reason})`);
  else if (sha256 !== undefined && sidecar.sha256 !== sha256) problems.push(`checksum mismatch: ${name}.sha256 says ${sidecar.sha256}, the file hashes to ${sha256}`);
  else if (sidecar.name && sidecar.name !== name) warnings.push(`the checksum file names ${sidecar.name}, so \`sha256sum -c\` looks for that file`);
  const sidecarVerdict = sidecar.state === 'missing' ? 'missing' : sidecar.state === 'ok' && sidecar.sha256 === sha256 ? 'match' : 'bad';

  const manifestRead = await readManifest(archive);
  const manifest = manifestRead.state === 'ok' ? manifestRead.manifest : undefined;
  if (manifestRead.state === 'invalid') problems.push(`the manifest ${name}.manifest.json is invalid (${manifestRead.reason})`);
  if (manifest && headerOnly && sha256 !== undefined) {
    if (manifest.archive.sha256 !== sha256) problems.push(`checksum mismatch: the manifest says ${manifest.archive.sha256}, the file hashes to ${sha256}`);
    if (manifest.archive.compressedBytes !== st.size) problems.push(`size mismatch: the manifest says ${manifest.archive.compressedBytes} bytes, the file has ${st.size}`);
  }
  const plainExpected = manifest?.encryption?.plaintextSha256;
  if (plainExpected && listing?.plaintext && listing.plaintext.sha256 !== plainExpected) problems.push(`the decrypted tar.gz hashes to ${listing.plaintext.sha256}, the manifest says ${plainExpected}`);
  if (manifest && listing) {
    const a = manifest.archive;
    if (a.sha256 !== listing.sha256) problems.push(`checksum mismatch: the manifest says ${a.sha256}, the file hashes to ${listing.sha256}`);
    if (a.compressedBytes !== listing.compressedBytes) problems.push(`size mismatch: the manifest says ${a.compressedBytes} bytes, the file has ${listing.compressedBytes}`);
    if (a.entries !== listing.entries.length) problems.push(`the manifest lists ${a.entries} entries, the archive holds ${listing.entries.length}`);
    if (a.uncompressedBytes !== listing.tarBytes) problems.push(`the manifest says ${a.uncompressedBytes} uncompressed bytes, the archive holds ${listing.tarBytes}`);
  }
  const kind = (manifest?.kind as BackupKind | undefined) ?? parseArchiveName(name)?.kind;
  return {
    archive,
    ...(listing ? { listing } : {}),
    ...(sha256 ? { sha256 } : {}),
    sidecar: sidecarVerdict,
    manifestState: manifestRead.state,
    ...(manifest ? { manifest } : {}),
    ...(kind ? { kind } : {}),
    problems,
    warnings,
    ...(encrypted ? { encrypted: { checked: headerOnly ? ('header' as const) : ('content' as const) } } : {}),
  };
}

/** The verdict on one archive: ok when `problems` is empty; warnings never make it fail. */
export interface VerifyResult {
  archive: string;
  ok: boolean;
  problems: string[];
  warnings: string[];
  kind?: BackupKind;
  sha256?: string;
  entries?: number;
  contentBytes?: number;
  /** For an age-encrypted archive: whether its content was decrypted and read, or only its header (no identity). */
  encrypted?: { checked: 'content' | 'header' };
}

function isFalkorKind(kind: BackupKind | undefined): boolean {
  return kind === 'falkordb' || kind === 'falkordb-pre-restore';
}

/**
 * verifyBackup checks an archive the way a restore would rely on it: inspectArchive's integrity
 * checks (a missing manifest is a warning: the original scripts wrote none), then its kind's
 * content: a FalkorDB archive holds dump.rdb or appendonlydir, a userData archive is not empty.
 * It never throws for a bad archive; only an abort rejects, with InterruptedError.
 */
export async function verifyBackup(archive: string, signal?: AbortSignal, key?: ArchiveKey): Promise<VerifyResult> {
  const found = await inspectArchive(archive, signal, key);
  const { problems, warnings, listing, kind } = found;
  if (found.unreadable) return { archive, ok: false, problems, warnings };
  if (found.manifestState === 'missing') warnings.push(`no ${basename(archive)}.manifest.json (archives of the original scripts have none)`);
  if (listing) {
    if (isFalkorKind(kind) && !looksLikeFalkorData(listing.entries)) problems.push(`no dump.rdb or appendonlydir in the archive: it restores no FalkorDB data. ${MOUNT_TRAP_HINT}`);
    if ((kind === 'userdata' || kind === 'project') && listing.entries.filter((e) => e.path !== './').length === 0) problems.push('the archive is empty');
    if (kind === undefined) warnings.push('the name is not a backup name and there is no manifest, so the content was not checked for its kind');
  }
  return {
    archive,
    ok: problems.length === 0,
    problems,
    warnings,
    ...(kind ? { kind } : {}),
    ...(listing ? { sha256: listing.sha256, entries: listing.entries.length, contentBytes: listing.contentBytes } : found.sha256 ? { sha256: found.sha256 } : {}),
    ...(found.encrypted ? { encrypted: found.encrypted } : {}),
  };
}
