import { join } from 'node:path';

// Electron names userData after the app. Auto Codex calls app.setName('Auto Codex'), but modules it
// imports first already read getPath('userData'), and package.json's name is `auto-codex-ui`
// (app-rules.md §4): an install may use either folder. Both are looked at.

/** The two names the folder may have, the documented one first. */
export const USERDATA_NAMES = ['Auto Codex', 'auto-codex-ui'] as const;

/** Files only the app writes there; the folder that holds more of them is the one in use. */
export const APP_FILES = ['settings.json', 'store/projects.json', 'config/codex-profiles.json', 'sessions/terminals.json', 'logs/main.log', 'auto-codex-source'];

/** userdataBase is the per-OS parent of Electron's userData folders. */
export function userdataBase(platform: NodeJS.Platform, home: string, env: Record<string, string | undefined>): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  if (platform === 'win32') return env.APPDATA ?? join(home, 'AppData', 'Roaming');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

/**
 * chooseUserdataDir picks `Auto Codex` or `auto-codex-ui` under the OS's base: the one holding more
 * of the app's files, else the one that exists, else `Auto Codex`; `note` says which and why.
 */
export function chooseUserdataDir(
  platform: NodeJS.Platform,
  home: string,
  env: Record<string, string | undefined>,
  exists: (path: string) => boolean,
): { dir: string; note: string } {
  const base = userdataBase(platform, home, env);
  const seen = USERDATA_NAMES.map((name) => {
    const dir = join(base, name);
    return { name, dir, exists: exists(dir), files: APP_FILES.filter((f) => exists(join(dir, f))) };
  });
  const [a, b] = seen as [(typeof seen)[0], (typeof seen)[0]];
  const pick = b.files.length > a.files.length || (b.files.length === a.files.length && b.exists && !a.exists) ? b : a;
  const other = pick === a ? b : a;
  const why = pick.files.length
    ? `holds ${pick.files.join(', ')}`
    : pick.exists
      ? 'exists, without app files'
      : 'neither exists';
  const otherState = other.files.length ? `holds ${other.files.join(', ')}` : other.exists ? 'exists, without app files' : 'absent';
  return { dir: pick.dir, note: `'${pick.name}' (${why}; '${other.name}' ${otherState})` };
}
