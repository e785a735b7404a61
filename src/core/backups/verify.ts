import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readSidecar } from '../archive/checksum.js';
import { looksLikeFalkorData, readArchive, type ArchiveListing } from '../archive/read-archive.js';
import { isEncryptedArchive, type ArchiveKey } from '../archive/archive-encryption.js';
import { sha256File } from '../archive/checksum.js';
import { readAgeHeader } from '../crypto/key-files.js';
import { throwIfAborted } from '../errors.js';
import { readManifest } from './manifest.js';
import { parseArchiveName, type BackupKind } from './naming.js';

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
  /** For an age-encrypted archive: `content` when it was decrypted and read, `header` when only its age header and checksums were (no identity). */
  encrypted?: { checked: 'content' | 'header' };
}

/** The mount-trap explanation shared by backup and verify (anchors-and-gotchas.md §A.1). */
export const MOUNT_TRAP_HINT =
  'FalkorDB images since PR #958 keep their data in /var/lib/falkordb/data; a volume mounted at /data receives nothing. ' +
  'Mount the volume at /var/lib/falkordb/data (see compose/docker-compose.yml) and check `autocodex-ops healthcheck --only falkordb-data-mount`.';

function isFalkorKind(kind: BackupKind | undefined): boolean {
  return kind === 'falkordb' || kind === 'falkordb-pre-restore';
}

/**
 * verifyBackup checks an archive the way a restore would rely on it: it exists; every entry
 * decompresses and the tar structure is complete; its SHA-256 matches the `.sha256` sidecar and
 * the manifest (a missing sidecar or manifest is a warning: the original scripts wrote neither);
 * the manifest's sizes and entry count match; a FalkorDB archive holds dump.rdb or appendonlydir,
 * a userData archive is not empty. It never throws for a bad archive (the problems say why);
 * only an abort rejects, with InterruptedError.
 */
export async function verifyBackup(archive: string, signal?: AbortSignal, key?: ArchiveKey): Promise<VerifyResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const st = await stat(archive).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) return { archive, ok: false, problems: [st.code === 'ENOENT' ? 'archive not found' : `cannot read the archive: ${st.message}`], warnings };
  if (!st.isFile()) return { archive, ok: false, problems: ['not a regular file'], warnings };

  const manifestState = await readManifest(archive);
  const manifest = manifestState.state === 'ok' ? manifestState.manifest : undefined;
  const kind = (manifest?.kind as BackupKind | undefined) ?? parseArchiveName(basename(archive))?.kind;
  let listing: ArchiveListing | undefined;
  const encrypted = isEncryptedArchive(archive);
  if (encrypted && !key) {
    // No identity (a server that holds only public keys): check what can be checked without one.
    const header = await checkHeaderOnly(archive, signal, problems);
    if (header) listing = header;
    warnings.push('encrypted, and no identity is configured (AUTOCODEX_OPS_AGE_IDENTITY): only its age header and checksums were checked, not its content');
  } else {
    try {
      listing = await readArchive(archive, signal, { key });
    } catch (err) {
      throwIfAborted(signal);
      problems.push(`the archive does not read completely (truncated or corrupt): ${(err as Error).message}`);
    }
  }
  const contentRead = listing !== undefined && !(encrypted && !key);
  const plainExpected = manifest?.encryption?.plaintextSha256;
  if (plainExpected && listing?.plaintext && listing.plaintext.sha256 !== plainExpected) problems.push(`the decrypted tar.gz hashes to ${listing.plaintext.sha256}, the manifest says ${plainExpected}`);

  const sidecar = await readSidecar(archive);
  if (sidecar.state === 'missing') warnings.push('no .sha256 sidecar (archives of the original scripts have none)');
  else if (sidecar.state === 'invalid') problems.push(`the .sha256 sidecar is invalid (${sidecar.reason})`);
  else if (listing && sidecar.sha256 !== listing.sha256) problems.push(`checksum mismatch: the sidecar says ${sidecar.sha256}, the file hashes to ${listing.sha256}`);
  else if (sidecar.name && sidecar.name !== basename(archive)) warnings.push(`the .sha256 sidecar names ${sidecar.name}, so \`sha256sum -c\` looks for that file`);

  if (manifestState.state === 'missing') warnings.push('no .manifest.json (archives of the original scripts have none)');
  else if (manifestState.state === 'invalid') problems.push(`the manifest is invalid (${manifestState.reason})`);
  else if (manifest && listing) {
    const a = manifest.archive;
    if (a.sha256 !== listing.sha256) problems.push(`checksum mismatch: the manifest says ${a.sha256}, the file hashes to ${listing.sha256}`);
    if (a.compressedBytes !== listing.compressedBytes) problems.push(`size mismatch: the manifest says ${a.compressedBytes} bytes, the file has ${listing.compressedBytes}`);
    if (contentRead && a.entries !== listing.entries.length) problems.push(`the manifest lists ${a.entries} entries, the archive holds ${listing.entries.length}`);
    if (contentRead && a.uncompressedBytes !== listing.tarBytes) problems.push(`the manifest says ${a.uncompressedBytes} uncompressed bytes, the archive holds ${listing.tarBytes}`);
  }

  if (listing && contentRead) {
    if (isFalkorKind(kind) && !looksLikeFalkorData(listing.entries)) problems.push(`no dump.rdb or appendonlydir in the archive: it restores no FalkorDB data. ${MOUNT_TRAP_HINT}`);
    if (kind === 'userdata' && listing.entries.filter((e) => e.path !== './').length === 0) problems.push('the archive is empty');
    if (kind === undefined) warnings.push('the name is not a backup name and there is no manifest, so the content was not checked for its kind');
  }
  return {
    archive,
    ok: problems.length === 0,
    problems,
    warnings,
    ...(kind ? { kind } : {}),
    ...(listing ? { sha256: listing.sha256, ...(contentRead ? { entries: listing.entries.length, contentBytes: listing.contentBytes } : {}) } : {}),
    ...(encrypted ? { encrypted: { checked: key ? ('content' as const) : ('header' as const) } } : {}),
  };
}

// The header must parse (a truncated or foreign file fails here) and the file is hashed for the
// sidecar and manifest comparisons; the listing has no entries: the content stays unread.
async function checkHeaderOnly(archive: string, signal: AbortSignal | undefined, problems: string[]): Promise<ArchiveListing | undefined> {
  try {
    await readAgeHeader(archive);
  } catch (err) {
    problems.push((err as Error).message);
    return undefined;
  }
  const sha256 = await sha256File(archive, signal);
  const { size } = await stat(archive);
  return { entries: [], contentBytes: 0, tarBytes: 0, compressedBytes: size, sha256 };
}
