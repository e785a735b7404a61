import type { BackupMode } from '../config/schema.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import type { WrittenArchive, WrittenEncryption } from '../archive/write-archive.js';
import type { BackupKind } from './naming.js';

/** Version of the manifest layout; a reader rejects a newer major it does not know. */
export const MANIFEST_FORMAT_VERSION = 1;

/** One entry of the archive as the manifest lists it. */
export interface ManifestFile {
  path: string;
  type: string;
  size: number;
}

/**
 * BackupManifest is `<archive>.manifest.json`: what was backed up, from where, how, and what the
 * archive holds (issue 4 "Files"). `source` and `server` differ by kind; readers rely only on the
 * fields the schema below checks.
 */
export interface BackupManifest {
  formatVersion: number;
  tool: { name: string; version: string };
  kind: BackupKind;
  /** When the snapshot was taken (UTC, ISO 8601); the archive's name carries the same time. */
  createdAt: string;
  host: string;
  mode?: BackupMode;
  source: Record<string, unknown>;
  server?: Record<string, unknown>;
  archive: {
    file: string;
    sha256: string;
    compressedBytes: number;
    uncompressedBytes: number;
    contentBytes: number;
    entries: number;
    gzip: { members: number; storedMembers: number };
    files: ManifestFile[];
  };
  verification: { verifiedAt: string; method: string };
  /** Issue 21: true for a `.tar.gz.age`; `archive.sha256` is then of the encrypted file, as the sidecar. */
  encrypted?: true;
  encryption?: WrittenEncryption;
  warnings?: string[];
}

/** The kind-specific part of a manifest, supplied by the backup that writes it. */
export interface ManifestFacts {
  kind: BackupKind;
  createdAt: Date;
  host: string;
  toolVersion: string;
  mode?: BackupManifest['mode'];
  source: Record<string, unknown>;
  server?: Record<string, unknown>;
  warnings?: string[];
  /** Project kinds: the label in the archive's name (the manifest's `source` names the project). */
  label?: string;
}

/** buildManifest combines the facts of a backup with the verified archive; pure. */
export function buildManifest(facts: ManifestFacts, written: WrittenArchive): BackupManifest {
  const { listing } = written;
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    tool: { name: 'autocodex-ops', version: facts.toolVersion },
    kind: facts.kind,
    createdAt: facts.createdAt.toISOString(),
    host: facts.host,
    ...(facts.mode ? { mode: facts.mode } : {}),
    source: facts.source,
    ...(facts.server ? { server: facts.server } : {}),
    archive: {
      file: basename(written.path),
      sha256: written.sha256,
      compressedBytes: written.bytes,
      uncompressedBytes: written.tarBytes,
      contentBytes: listing.contentBytes,
      entries: listing.entries.length,
      gzip: { members: written.gzip.blocks, storedMembers: written.gzip.storedBlocks },
      files: listing.entries.map((e) => ({ path: e.path, type: e.type, size: e.size })),
    },
    verification: {
      verifiedAt: written.verifiedAt.toISOString(),
      method: written.encryption
        ? 'decrypted with the file key held while writing, every entry decompressed and read back; sha256 of the file on disk and of the tar.gz equal the ones written'
        : 'every entry decompressed and read back; sha256 of the file on disk equals the one written',
    },
    ...(written.encryption ? { encrypted: true as const, encryption: written.encryption } : {}),
    ...(facts.warnings && facts.warnings.length > 0 ? { warnings: facts.warnings } : {}),
  };
}

const manifestSchema = z
  .object({
    formatVersion: z.number().int().positive(),
    kind: z.string(),
    createdAt: z.iso.datetime({ offset: true }),
    archive: z
      .object({
        file: z.string(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        compressedBytes: z.number().int().nonnegative(),
        uncompressedBytes: z.number().int().nonnegative(),
        entries: z.number().int().nonnegative(),
      })
      .loose(),
    verification: z.object({ verifiedAt: z.string() }).loose().optional(),
    server: z.object({ keys: z.number().int().optional(), graphs: z.array(z.string()).optional() }).loose().optional(),
    encrypted: z.boolean().optional(),
    encryption: z
      .object({ recipients: z.array(z.string()), plaintextSha256: z.string().regex(/^[0-9a-f]{64}$/), plaintextBytes: z.number().int().nonnegative() })
      .loose()
      .optional(),
  })
  .loose();

/** The checked part of a manifest as readers see it. */
export type ManifestView = z.infer<typeof manifestSchema>;

/** What reading `<archive>.manifest.json` found. */
export type ManifestState = { state: 'missing' } | { state: 'invalid'; reason: string } | { state: 'ok'; manifest: ManifestView };

/**
 * readManifest reads and checks `<archive>.manifest.json`: missing, invalid (unreadable, not
 * JSON, a field wrong, or a format version newer than this tool knows), or ok. Never throws.
 */
export async function readManifest(archive: string): Promise<ManifestState> {
  let text: string;
  try {
    text = await readFile(`${archive}.manifest.json`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'invalid', reason: `cannot read it: ${(err as Error).message}` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { state: 'invalid', reason: 'not JSON' };
  }
  const parsed = manifestSchema.safeParse(doc);
  if (!parsed.success) return { state: 'invalid', reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  if (parsed.data.formatVersion > MANIFEST_FORMAT_VERSION) {
    return { state: 'invalid', reason: `format version ${parsed.data.formatVersion} is newer than this tool reads (${MANIFEST_FORMAT_VERSION}); upgrade autocodex-ops` };
  }
  return { state: 'ok', manifest: parsed.data };
}
