import { copyFile, lstat, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rewriteEnv } from '../config/env-file.js';
import { OpsError } from '../errors.js';
import { exists } from '../fs/exists.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';

// harden writes the password where the stack reads it: GRAPHITI_FALKORDB_PASSWORD in the root .env
// and in auto-codex/.env, because the Python backend reads only that name and only that file
// (app-rules.md §2/§6). Each file is rewritten byte-preserving (config/env-file.ts) with a `.bak`
// of its old bytes beside it; the undo puts those bytes back (or removes a file harden created).

/** One planned edit: the file, the keys it sets, and whether it exists yet. */
export interface EnvEdit {
  path: string;
  keys: string[];
  creates: boolean;
}

/** A done edit, as the journal records it, so a later run can undo it. */
export interface DoneEdit {
  path: string;
  bak?: string;
  created: boolean;
}

async function currentValue(path: string, key: string): Promise<string | undefined> {
  if (!(await exists(path))) return undefined;
  const { parse } = await import('dotenv');
  return parse(await readFile(path))[key];
}

/**
 * planEnvEdits lists the files whose GRAPHITI_FALKORDB_PASSWORD differs from `password`: the root
 * .env always, auto-codex/.env when the auto-codex/ folder exists. Reads only.
 */
export async function planEnvEdits(root: string, password: string): Promise<EnvEdit[]> {
  const files = [`${root}/.env`, ...((await exists(`${root}/auto-codex`)) ? [`${root}/auto-codex/.env`] : [])];
  const edits: EnvEdit[] = [];
  for (const path of files) {
    if ((await currentValue(path, 'GRAPHITI_FALKORDB_PASSWORD')) === password) continue;
    edits.push({ path, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: !(await exists(path)) });
  }
  return edits;
}

/**
 * applyEnvEdit writes `<path>.bak` (the old bytes) and then the file with the keys set; `record` is
 * called before the file changes, so a killed run's journal already names the backup. A symlinked
 * .env is refused (root must not write through a user's link). Rejects with OpsError.
 */
export async function applyEnvEdit(edit: EnvEdit, values: Record<string, string>, record: (done: DoneEdit) => Promise<void>): Promise<DoneEdit> {
  const info = await lstat(edit.path).catch(() => undefined);
  if (info?.isSymbolicLink()) throw new OpsError(`${edit.path} is a symbolic link; harden does not write through links. Nothing was changed in it.`);
  let original = Buffer.alloc(0);
  let done: DoneEdit = { path: edit.path, created: true };
  if (info) {
    original = await readFile(edit.path);
    done = { path: edit.path, bak: `${edit.path}.bak`, created: false };
  }
  let rewritten: Buffer;
  try {
    rewritten = rewriteEnv(original, values).bytes;
  } catch {
    throw new OpsError(`The password cannot be written to ${edit.path} as a plain .env value (it holds a quote, #, backslash or blank).`, {
      hint: 'Use --generate-password, or a password of letters, digits and -_.',
    });
  }
  await record(done);
  if (done.bak) await copyFile(edit.path, done.bak);
  if (!(await exists(dirname(edit.path)))) throw new OpsError(`The folder of ${edit.path} does not exist.`);
  await writeFileAtomic(edit.path, rewritten, { replace: true });
  return done;
}

/** undoEnvEdit puts the old bytes back from the .bak (or removes a file harden created); idempotent. */
export async function undoEnvEdit(done: DoneEdit): Promise<void> {
  if (done.created) {
    await rm(done.path, { force: true });
    return;
  }
  if (done.bak && (await exists(done.bak))) await writeFileAtomic(done.path, await readFile(done.bak), { replace: true });
}

/**
 * applyFileEdit replaces a file harden edits (the compose file) with `bytes`, after writing
 * `<path>.bak` and recording the edit (see applyEnvEdit). A symlink is refused.
 */
export async function applyFileEdit(path: string, bytes: Buffer, record: (done: DoneEdit) => Promise<void>): Promise<DoneEdit> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) throw new OpsError(`${path} is a symbolic link; harden does not write through links. Nothing was changed in it.`);
  const done: DoneEdit = { path, bak: `${path}.bak`, created: false };
  await record(done);
  await copyFile(path, done.bak!);
  await writeFileAtomic(path, bytes, { replace: true });
  return done;
}
