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

export type SidecarState =
  | { state: 'missing' }
  | { state: 'invalid'; reason: string }
  | { state: 'mismatch'; expected: string; actual: string }
  | { state: 'match'; sha256: string };

/**
 * checkSidecar compares `<archive>.sha256` with the archive's digest: missing, invalid (empty or
 * not 64 hex digits), mismatch, or match. It reads the first token as the scripts did.
 */
export async function checkSidecar(archivePath: string, signal?: AbortSignal): Promise<SidecarState> {
  let text: string;
  try {
    text = await readFile(`${archivePath}.sha256`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'invalid', reason: `cannot read it: ${(err as Error).message}` };
  }
  const expected = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(expected)) return { state: 'invalid', reason: expected ? 'not a SHA-256 digest' : 'empty' };
  const actual = await sha256File(archivePath, signal);
  return actual === expected ? { state: 'match', sha256: actual } : { state: 'mismatch', expected, actual };
}
