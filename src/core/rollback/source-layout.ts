import { join } from 'node:path';
import { z } from 'zod';
import { stamp } from '../backup-store/naming.js';
import type { SourceFs } from './source-fs.js';

// The Desktop UI's source updater layout (original-scripts.md §10, runbook "Rollback (Auto-Codex
// Source Updates)"), relative to userData. Our own files live in one extra folder beside them, on
// the same file system, so that every step of a rollback can be a rename.

/** The override the packaged app runs instead of its bundled source, when present. */
export const SOURCE_DIR = 'auto-codex-source';
/** The updater's last-known-good copy (overwritten on each update; lacks `.env` and `specs/`). */
export const UPDATER_BACKUP_DIR = join('auto-codex-updates', 'backup');
/** Where `rollback source` keeps dated safety copies, its staging folder and its journal. */
export const ROLLBACKS_DIR = 'auto-codex-rollbacks';
/** The metadata file the updater writes into the folder it installs. */
export const UPDATE_METADATA = '.update-metadata.json';
/** What the updater's backup leaves out and a rollback to it must carry over (original-scripts.md §10 step 6). */
export const CARRY_OVER = ['.env', 'specs'] as const;
/** Prefix of a staging folder: hidden, so nobody mistakes it for a safety copy. */
export const STAGING_PREFIX = '.staging-';
/** The journal that lets the next run undo a rollback killed between its two renames. */
export const JOURNAL = '.rollback-journal.json';

/** The absolute paths of one userData folder's source-update files. */
export interface SourceLayout {
  userdataDir: string;
  source: string;
  updaterBackup: string;
  rollbacks: string;
  journal: string;
}

/** sourceLayout resolves the layout under `userdataDir`. */
export function sourceLayout(userdataDir: string): SourceLayout {
  const rollbacks = join(userdataDir, ROLLBACKS_DIR);
  return {
    userdataDir,
    source: join(userdataDir, SOURCE_DIR),
    updaterBackup: join(userdataDir, UPDATER_BACKUP_DIR),
    rollbacks,
    journal: join(rollbacks, JOURNAL),
  };
}

const metadataSchema = z
  .object({ version: z.string().optional(), updatedAt: z.string().optional(), releaseTag: z.string().optional(), releaseName: z.string().optional() })
  .loose();

/** What a source folder says about itself (`.update-metadata.json`); every field may be missing. */
export interface SourceVersion {
  path: string;
  version?: string;
  updatedAt?: string;
  releaseTag?: string;
}

/**
 * readSourceVersion reads `<dir>/.update-metadata.json`; a missing or unparsable file gives a
 * version with only the path (the versions are shown to people, never trusted for decisions).
 */
export async function readSourceVersion(fs: Pick<SourceFs, 'readText'>, dir: string): Promise<SourceVersion> {
  const text = await fs.readText(join(dir, UPDATE_METADATA)).catch(() => undefined);
  if (text === undefined) return { path: dir };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { path: dir };
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) return { path: dir };
  const { version, updatedAt, releaseTag } = parsed.data;
  return { path: dir, ...(version ? { version } : {}), ...(updatedAt ? { updatedAt } : {}), ...(releaseTag ? { releaseTag } : {}) };
}

/** describeVersion renders `1.4.2, tag v1.4.2, updated 2025-05-01T10:00:00Z`, or `unknown version`. */
export function describeVersion(v: SourceVersion | undefined): string {
  if (!v?.version && !v?.releaseTag) return 'unknown version';
  const extra = [v.releaseTag && v.releaseTag !== v.version ? `tag ${v.releaseTag}` : undefined, v.updatedAt && `updated ${v.updatedAt}`].filter(Boolean);
  return [v.version ?? v.releaseTag, ...extra].join(', ');
}

/** sameRelease is true when both folders carry metadata with the same version and update time. */
export function sameRelease(a: SourceVersion, b: SourceVersion): boolean {
  return a.version !== undefined && a.updatedAt !== undefined && a.version === b.version && a.updatedAt === b.updatedAt;
}

/**
 * safetyCopyPath names a free dated folder for the replaced override:
 * `<userData>/auto-codex-rollbacks/auto-codex-source_<YYYYmmdd_HHMMSS>` (UTC), `_2`, `_3`… on a clash.
 */
export async function safetyCopyPath(fs: Pick<SourceFs, 'kind'>, layout: SourceLayout, now: Date): Promise<string> {
  const base = join(layout.rollbacks, `${SOURCE_DIR}_${stamp(now)}`);
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? base : `${base}_${n}`;
    if ((await fs.kind(candidate)) === undefined) return candidate;
  }
}
