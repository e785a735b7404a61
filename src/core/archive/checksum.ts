import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { throwIfAborted } from '../errors.js';

// One buffer for the whole file: a read stream allocates a new one per read, and on a 250 MB
// archive that garbage is what raised the backup's peak memory while it waited for a collection.
const HASH_BUFFER = 1024 * 1024;

/** digestFile reads a file once through SHA-256 into one reused buffer: its hex digest and size; honours the abort signal. */
export async function digestFile(path: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(HASH_BUFFER);
  const fh = await open(path, 'r');
  let bytes = 0;
  try {
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, bytes);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** sha256File streams a file through SHA-256 and returns the hex digest; honours the abort signal. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  return (await digestFile(path, signal)).sha256;
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

