import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sidecarLine } from '../archive/checksum.js';
import { exists } from '../fs/exists.js';
import { ensurePrivateDir, fsyncDir, publishNoReplace, tempPathFor, writeFileAtomic, type Undo } from '../fs/write-file-atomic.js';
import { UsageError } from '../errors.js';
import { archiveKey, parseRemoteArchiveName } from './remote-keys.js';
import type { S3Location } from './s3-url.js';
import type { ObjectStore } from './store.js';

/** The pulled archive: where it is now, and what was checked on the way. */
export interface PulledArchive {
  url: string;
  archive: string;
  bytes: number;
  sha256: string;
  files: string[];
}

/** remoteKeyFor resolves `backup pull <name>`: a bare archive name is looked up under `<prefix>/<kind>/`. */
export function remoteKeyFor(location: S3Location, nameOrKey: string): string {
  if (nameOrKey.includes('/')) return nameOrKey.replace(/^\/+/, '');
  const key = archiveKey(location, nameOrKey);
  if (!key) throw new UsageError(`"${nameOrKey}" is not a backup archive name.`, { hint: 'See `autocodex-ops backup list --remote` for the names.' });
  return key;
}

/**
 * downloadArchive fetches `key` and its sidecars into `dir`, checking size and sha256 against
 * the object's metadata and the remote `.sha256` before anything gets its final name (a
 * mismatch is exit 2 and leaves nothing). Files appear complete (temporary name, fsync,
 * no-replace rename), sidecars first, archive last. An existing file of that name is an error.
 */
export async function downloadArchive(store: ObjectStore, key: string, dir: string, options: { signal?: AbortSignal; onProgress?: (bytes: number, total: number) => void } = {}): Promise<PulledArchive> {
  const name = basename(key);
  const url = `s3://${store.bucket}/${key}`;
  if (!parseRemoteArchiveName(name)) throw new UsageError(`${url} is not a backup archive (its name is not falkordb_data_…, userdata_…, project_… .tar.gz[.age]).`);
  const head = await store.head(key, options.signal);
  if (!head) throw new UsageError(`There is no ${url}.`, { hint: 'See `autocodex-ops backup list --remote`.' });
  const final = join(dir, name);
  if (await exists(final)) throw new UsageError(`${final} already exists; it was left untouched.`, { hint: 'Use it as it is, or pull into another folder with --output-dir.' });
  await ensurePrivateDir(dir);
  const sidecarText = await store.getText(`${key}.sha256`, options.signal);
  const manifestText = await store.getText(`${key}.manifest.json`, options.signal);
  const expected = sidecarText?.trim().split(/\s+/)[0]?.toLowerCase();
  const temps: string[] = [];
  const undos: Undo[] = [];
  try {
    const temp = tempPathFor(final);
    temps.push(temp);
    const got = await store.getToFile(key, temp, { signal: options.signal, onProgress: (n) => options.onProgress?.(n, head.bytes) });
    const problems = [
      got.bytes !== head.bytes ? `${got.bytes} bytes arrived, the store lists ${head.bytes}` : undefined,
      head.sha256 && got.sha256 !== head.sha256 ? `sha256 ${got.sha256} differs from the object's metadata ${head.sha256}` : undefined,
      expected && got.sha256 !== expected ? `sha256 ${got.sha256} differs from ${name}.sha256 (${expected})` : undefined,
      !head.sha256 && !expected ? 'neither the object metadata nor a .sha256 sidecar gives a checksum to check' : undefined,
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) throw new UsageError(`The download of ${url} does not match its checksum: ${problems.join('; ')}. Nothing was kept.`);
    const files: string[] = [];
    const sidecars: [string, string][] = [[`${final}.sha256`, sidecarText ?? sidecarLine(got.sha256, final)]];
    if (manifestText !== undefined) sidecars.push([`${final}.manifest.json`, manifestText]);
    for (const [path, text] of sidecars) {
      undos.push(await writeFileAtomic(path, text));
      files.push(path);
    }
    await publishNoReplace(temp, final);
    await fsyncDir(dir);
    return { url, archive: final, bytes: got.bytes, sha256: got.sha256, files: [final, ...files] };
  } catch (err) {
    // Sidecars without their archive would only confuse the catalog: take them back.
    for (const undo of undos) await undo();
    throw err;
  } finally {
    for (const t of temps) await rm(t, { force: true });
  }
}
