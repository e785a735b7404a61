import { join } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { readTrustedFile, type TrustPolicy } from './trust.js';
import type { FileSource } from './variables.js';

const FILES: FileSource[] = ['auto-codex/.env', '.env', 'auto-codex-ui/.env'];

/**
 * readConfigFiles reads the .env files that exist under the root (a missing file is skipped). A
 * file another user controls is refused (UsageError naming it, see trust.ts); a file that exists
 * but cannot be read is a ConfigError naming it.
 */
export async function readConfigFiles(root: string, policy: TrustPolicy): Promise<Partial<Record<FileSource, string>>> {
  const out: Partial<Record<FileSource, string>> = {};
  const problems: string[] = [];
  for (const file of FILES) {
    try {
      const text = readTrustedFile(join(root, file), policy);
      if (text !== undefined) out[file] = text;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      problems.push(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (problems.length) throw new ConfigError(problems, 'Check the file permissions.');
  return out;
}
