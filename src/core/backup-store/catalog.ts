import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArchiveName, type BackupKind } from './naming.js';
import { readdirOrEmpty } from '../fs/read-dir.js';

/** One archive found in a backup folder, with the best known creation time. */
export interface BackupRecord {
  kind: BackupKind;
  archive: string;
  bytes: number;
  /** From the manifest when present, else the file's modification time. */
  createdAt: Date;
  createdAtSource: 'manifest' | 'mtime';
  hasSidecar: boolean;
  hasManifest: boolean;
  /** An age-encrypted archive (`.tar.gz.age`, issue 21). */
  encrypted: boolean;
  /** The project label of a project archive (`project_<label>_…`). */
  label?: string;
}

async function manifestCreatedAt(archive: string): Promise<Date | undefined> {
  try {
    const doc = JSON.parse(await readFile(`${archive}.manifest.json`, 'utf8')) as { createdAt?: unknown };
    const at = typeof doc.createdAt === 'string' ? new Date(doc.createdAt) : undefined;
    return at && !Number.isNaN(at.getTime()) ? at : undefined;
  } catch {
    return undefined;
  }
}

/**
 * listBackups lists the archives directly in `dir` (never recursing, like the scripts' glob),
 * newest first, optionally of one kind (and, for project kinds, one project label); a missing
 * folder is an empty list, other errors reject.
 */
export async function listBackups(dir: string, kind?: BackupKind, label?: string): Promise<BackupRecord[]> {
  const names = await readdirOrEmpty(dir);
  const records = await Promise.all(
    names.map(async (name): Promise<BackupRecord | undefined> => {
      const parsed = parseArchiveName(name);
      if (!parsed || (kind && parsed.kind !== kind) || (label !== undefined && parsed.label !== label)) return undefined;
      const archive = join(dir, name);
      const st = await stat(archive).catch(() => undefined);
      if (!st?.isFile()) return undefined;
      const [fromManifest, sidecar, manifest] = await Promise.all([
        manifestCreatedAt(archive),
        stat(`${archive}.sha256`).then(() => true, () => false),
        stat(`${archive}.manifest.json`).then(() => true, () => false),
      ]);
      return {
        kind: parsed.kind,
        archive,
        bytes: st.size,
        createdAt: fromManifest ?? st.mtime,
        createdAtSource: fromManifest ? 'manifest' : 'mtime',
        hasSidecar: sidecar,
        hasManifest: manifest,
        encrypted: parsed.encrypted,
        ...(parsed.label !== undefined ? { label: parsed.label } : {}),
      };
    }),
  );
  return records.filter((r): r is BackupRecord => r !== undefined).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}
