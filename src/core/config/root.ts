import { dirname, join, resolve } from 'node:path';

export interface RootInput {
  flag?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  exists: (path: string) => boolean;
}

export interface RootResult {
  root: string;
  origin: 'flag' | 'env' | 'discovered' | 'cwd';
}

/**
 * discoverRoot finds the Auto-Codex checkout: `--root`, else AUTO_CODEX_ROOT, else the nearest
 * folder at or above cwd holding `auto-codex/` or `docker-compose.yml`, else cwd itself.
 */
export function discoverRoot({ flag, env, cwd, exists }: RootInput): RootResult {
  if (flag) return { root: resolve(cwd, flag), origin: 'flag' };
  if (env.AUTO_CODEX_ROOT) return { root: resolve(cwd, env.AUTO_CODEX_ROOT), origin: 'env' };
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (exists(join(dir, 'auto-codex')) || exists(join(dir, 'docker-compose.yml'))) return { root: dir, origin: 'discovered' };
    if (dirname(dir) === dir) break;
  }
  return { root: resolve(cwd), origin: 'cwd' };
}
