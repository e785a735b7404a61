import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { OpsError } from '../errors.js';
import { DIR_MODE, FILE_MODE } from '../fs/write-file-atomic.js';
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
    const copied = await redactFile(part.path, part.bytes - keep, redactor, (text) => writeAll(fh, text), signal, part.bytes);
    return { bytes: copied.bytes + header, masked: copied.masked };
  } finally {
    await fh.close();
  }
}

/**
 * bundleTar streams the one folder `name` under `staging` as an uncompressed tar whose entries all
 * start with `name/`: unpacking the bundle makes one folder and never touches the folder it is
 * unpacked in (an entry `./` would set its mode). A read failure destroys the stream with an OpsError.
 */
export async function bundleTar(staging: string, name: string): Promise<Readable> {
  const tar = await import('tar');
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const pack = tar.c({ cwd: staging, portable: true }, [name]);
  pack.on('error', (err: unknown) => out.destroy(new OpsError(`Reading the staged bundle failed: ${(err as Error).message}`, { cause: err })));
  pack.pipe(out);
  return out;
}
