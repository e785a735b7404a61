import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { decryptionStages, type ArchiveKey } from '../archive/archive-encryption.js';
import { READ_CHUNK } from '../archive/read-archive.js';
import { checkRestoreArchive } from '../backup-store/check-archive.js';
import { InterruptedError } from '../errors.js';

// `drill userdata`: the archive extracted into a private temporary folder (0700, removed always) and
// the app's own files parsed as the app would read them. Nothing of the live userData folder is read.

/** The app's files a drill parses when the archive holds them, with what each must be. */
const APP_FILES: ReadonlyArray<{ path: string; check?: (value: unknown) => string | undefined }> = [
  {
    path: 'settings.json',
    check: (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not a JSON object';
      const risk = (v as { riskPolicy?: unknown }).riskPolicy;
      return risk !== undefined && (typeof risk !== 'object' || risk === null) ? 'has a riskPolicy that is not an object' : undefined;
    },
  },
  { path: 'store/projects.json' },
  { path: 'config/codex-profiles.json' },
  { path: 'sessions/terminals.json' },
];

export interface UserdataDrillOptions {
  archive: string;
  key?: ArchiveKey;
}

export interface UserdataDrillResult {
  kind: 'userdata';
  archive: string;
  sha256: string;
  ok: boolean;
  entries: number;
  contentBytes: number;
  files: Array<{ path: string; ok: boolean; bytes?: number; problem?: string }>;
  problems: string[];
  warnings: string[];
  durationMs: number;
}

/**
 * runUserdataDrill checks the archive as `restore userdata` does (exit 2), extracts it into a 0700
 * temporary folder, parses settings.json (and its riskPolicy), store/projects.json,
 * config/codex-profiles.json and sessions/terminals.json where present, and removes the folder
 * whatever happens. A file that does not parse is a problem (ok false); none of them present is one too.
 */
export async function runUserdataDrill(options: UserdataDrillOptions, deps: { signal?: AbortSignal; now?: () => number } = {}): Promise<UserdataDrillResult> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const { signal } = deps;
  const checked = await checkRestoreArchive(options.archive, { family: 'userdata', force: false, signal, ...(options.key ? { key: options.key } : {}) });
  const dir = await mkdtemp(join(tmpdir(), 'autocodex-ops-drill-userdata-'));
  try {
    const tar = await import('tar');
    // The entries passed unsafeEntries already; extraction into the private folder, no owners kept.
    const extractor = tar.x({ cwd: dir, strict: true, preserveOwner: false, noChmod: false });
    const decrypt = decryptionStages(checked.path, checked.key).stages;
    try {
      await pipeline([createReadStream(checked.path, { signal, highWaterMark: READ_CHUNK }), ...decrypt, createGunzip(), extractor as unknown as Writable], { signal });
    } catch (error) {
      if (signal?.aborted) throw new InterruptedError('Drill interrupted; the temporary folder is removed.', { cause: error });
      throw error;
    }
    const files: UserdataDrillResult['files'] = [];
    for (const f of APP_FILES) {
      const path = join(dir, f.path);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      if (!st.isFile()) {
        files.push({ path: f.path, ok: false, problem: 'is not a regular file' });
        continue;
      }
      try {
        const value: unknown = JSON.parse(await readFile(path, 'utf8'));
        const problem = f.check?.(value);
        files.push({ path: f.path, ok: problem === undefined, bytes: st.size, ...(problem ? { problem } : {}) });
      } catch (error) {
        files.push({ path: f.path, ok: false, bytes: st.size, problem: `does not parse as JSON (${(error as Error).message})` });
      }
    }
    const problems = files.filter((f) => !f.ok).map((f) => `${f.path} ${f.problem}`);
    if (files.length === 0) problems.push(`the archive holds none of the app's files (${APP_FILES.map((f) => f.path).join(', ')})`);
    const warnings = [
      ...checked.warnings,
      'Tokens the app encrypted with the OS keychain (safeStorage) may need re-authentication on another machine or user account (runbook).',
    ];
    return {
      kind: 'userdata',
      archive: checked.path,
      sha256: checked.sha256,
      ok: problems.length === 0,
      entries: checked.listing.entries.length,
      contentBytes: checked.listing.contentBytes,
      files,
      problems,
      warnings,
      durationMs: Math.round(now() - started),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
