import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';

/** makeArchive writes a `./`-relative .tar.gz of the given files (and optionally its sha256 sidecar) and returns its path. */
export async function makeArchive(path: string, files: Record<string, string | Buffer>, options: { sidecar?: boolean; mtime?: Date } = {}): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'aco-src-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(src, rel)), { recursive: true });
    writeFileSync(join(src, rel), content);
  }
  mkdirSync(dirname(path), { recursive: true });
  await tar.c({ gzip: true, file: path, cwd: src, portable: true }, ['.']);
  if (options.sidecar !== false) {
    const hex = createHash('sha256').update(readFileSync(path)).digest('hex');
    writeFileSync(`${path}.sha256`, `${hex}  ${basename(path)}\n`);
  }
  if (options.mtime) utimesSync(path, options.mtime, options.mtime);
  return path;
}
