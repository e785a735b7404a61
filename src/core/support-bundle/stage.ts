import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DIR_MODE, FILE_MODE } from '../archive/atomic-file.js';
import { redactFile, type BundleRedactor, type RedactedCopy } from './redactor.js';
import type { BundlePart } from './types.js';

async function writeAll(fh: FileHandle, text: string): Promise<void> {
  const data = Buffer.from(text);
  for (let offset = 0; offset < data.length; ) offset += (await fh.write(data, offset, data.length - offset)).bytesWritten;
}

/**
 * stagePart writes one part, redacted, to `<folder>/<part.name>` (mode 0600, folders 0700): a
 * text whole, a file from byte `from` on (the newest lines, after a line saying it was cut).
 * Rejects as the file system does (a file that vanished since it was listed: ENOENT).
 */
export async function stagePart(folder: string, part: BundlePart, keep: number, redactor: BundleRedactor, signal?: AbortSignal): Promise<RedactedCopy> {
  const target = join(folder, part.name);
  await mkdir(dirname(target), { recursive: true, mode: DIR_MODE });
  const fh = await open(target, 'wx', FILE_MODE);
  try {
    if (part.kind === 'text') {
      const r = redactor.redact(part.text);
      await writeAll(fh, r.text);
      return { bytes: Buffer.byteLength(r.text), masked: r.masked };
    }
    let header = 0;
    if (keep < part.bytes) {
      const note = `[autocodex-ops support-bundle: cut to the newest ${keep} of ${part.bytes} bytes by --max-size]\n`;
      await writeAll(fh, note);
      header = Buffer.byteLength(note);
    }
    const copied = await redactFile(part.path, part.bytes - keep, redactor, (text) => writeAll(fh, text), signal);
    return { bytes: copied.bytes + header, masked: copied.masked };
  } finally {
    await fh.close();
  }
}
