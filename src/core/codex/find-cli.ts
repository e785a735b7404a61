import { join } from 'node:path';
import { isExecutableFile, which } from '../exec/which.js';

/**
 * codexCliCandidates is the app's fixed list after PATH (auto-codex/core/auth.py _find_codex_cli_path,
 * providers/codex_cli.py find_codex_path). The app has no Windows entries: there it finds codex on PATH only.
 */
export function codexCliCandidates(home: string, platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return [];
  return ['/opt/homebrew/bin/codex', '/usr/local/bin/codex', '/usr/bin/codex', join(home, '.local', 'bin', 'codex'), join(home, '.npm-global', 'bin', 'codex')];
}

export interface FoundCli {
  path: string;
  via: 'PATH' | 'fixed location';
}

/** findCodexCli looks where the app looks: PATH (with PATHEXT on Windows), then the fixed locations. */
export async function findCodexCli(env: Readonly<Record<string, string | undefined>>, home: string, platform: NodeJS.Platform): Promise<FoundCli | undefined> {
  const names = platform === 'win32' ? ['codex', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean).map((e) => `codex${e.toLowerCase()}`)] : ['codex'];
  for (const name of names) {
    const found = await which(name, env.PATH ?? '');
    if (found) return { path: found, via: 'PATH' };
  }
  for (const file of codexCliCandidates(home, platform)) if (await isExecutableFile(file)) return { path: file, via: 'fixed location' };
  return undefined;
}
