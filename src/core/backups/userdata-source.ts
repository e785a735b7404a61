import { readdir } from 'node:fs/promises';
import { OpsError, PrerequisiteError } from '../errors.js';

// Issue 23 §5: a wrong USERDATA_DIR (an empty folder, or some other folder) was backed up as a
// "verified" success every night, and --keep-last then pushed the real backups out. A userData
// folder holds at least one of these; the runtime single-instance files do not count.
export const APP_FILES: readonly string[] = ['settings.json', 'store', 'config'];

/**
 * checkUserdataSource looks at the top of the userData folder before anything is locked or
 * written: an empty folder (nothing but the app's runtime files) is exit 10 naming it; a folder
 * with none of APP_FILES is exit 10 unless `force`, and with `force` a warning returned for the
 * result and the manifest. A folder this run cannot list is exit 1 naming it.
 */
export async function checkUserdataSource(dir: string, options: { force: boolean; ignore: ReadonlySet<string> }): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new OpsError(`Cannot read the userData folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
      hint: 'Run the backup as the user who owns the folder (or as root), or fix its permissions.',
    });
  }
  const content = names.filter((n) => !options.ignore.has(`./${n}`));
  const hint = "Check --userdata-dir / USERDATA_DIR: the app's userData folder is macOS ~/Library/Application Support/Auto Codex, Linux ~/.config/Auto Codex, Windows %APPDATA%\\Auto Codex.";
  if (content.length === 0) throw new PrerequisiteError(`The userData folder ${dir} is empty: there is nothing to back up.`, { hint });
  if (APP_FILES.some((f) => content.includes(f))) return [];
  const what = `The folder ${dir} holds none of the app's files (${APP_FILES.map((f) => (f.includes('.') ? f : `${f}/`)).join(', ')})`;
  if (!options.force) throw new PrerequisiteError(`${what}; it does not look like Auto Codex's userData folder.`, { hint: `${hint} Pass --force to back it up anyway.` });
  return [`${what}; backed up anyway (--force).`];
}
