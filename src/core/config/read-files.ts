import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { FileSource } from './variables.js';

const FILES: FileSource[] = ['auto-codex/.env', '.env', 'auto-codex-ui/.env'];

/**
 * readConfigFiles reads the .env files that exist under the root (a missing file is skipped);
 * a file that exists but cannot be read is a ConfigError naming it.
 */
export async function readConfigFiles(root: string): Promise<Partial<Record<FileSource, string>>> {
  const out: Partial<Record<FileSource, string>> = {};
  const problems: string[] = [];
  await Promise.all(
    FILES.map(async (file) => {
      try {
        out[file] = await readFile(join(root, file), 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push(`${file}: cannot be read (${code ?? String(err)})`);
      }
    }),
  );
  if (problems.length) throw new ConfigError(problems, 'Check the file permissions.');
  return out;
}
