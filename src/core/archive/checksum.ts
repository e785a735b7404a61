import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** sha256File streams a file through SHA-256 and returns the hex digest; honours the abort signal. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sidecarLine is the `sha256sum` format: `<hex>  <basename>` and a newline (CONTRACT "Files"). */
export function sidecarLine(hex: string, archivePath: string): string {
  return `${hex}  ${basename(archivePath)}\n`;
}

/** What `<archive>.sha256` says, before any hashing: missing, invalid, or a digest and the file name it names. */
export type SidecarContent = { state: 'missing' } | { state: 'invalid'; reason: string } | { state: 'ok'; sha256: string; name?: string };

/** readSidecar reads `<archive>.sha256` and takes its first token as the digest, as the scripts did; never throws. */
export async function readSidecar(archivePath: string): Promise<SidecarContent> {
  let text: string;
  try {
    text = await readFile(`${archivePath}.sha256`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'invalid', reason: `cannot read it: ${(err as Error).message}` };
  }
  const [first = '', ...rest] = text.trim().split(/\s+/);
  const expected = first.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) return { state: 'invalid', reason: expected ? 'not a SHA-256 digest' : 'empty' };
  const name = rest.join(' ').replace(/^\*/, '') || undefined;
  return { state: 'ok', sha256: expected, ...(name ? { name } : {}) };
}

