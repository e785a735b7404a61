import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDir, DIR_MODE, FILE_MODE } from '../fs/write-file-atomic.js';
import { writeArchive } from '../archive/write-archive.js';
import { throwIfAborted } from '../errors.js';
import { collectAll } from './collect-all.js';
import { renderIndex } from './index-md.js';
import type { BundleRedactor } from './redactor.js';
import { capSizes, INDEX_RESERVE } from './size-cap.js';
import { bundleTar, stagePart } from './stage.js';
import { messageOf, reasonOf, type BundlePart, type Collector, type PartReport } from './types.js';

export interface SupportBundleOptions {
  /** Final path of the `.tar.gz`; never overwritten. */
  output: string;
  dryRun: boolean;
  /** Bytes of content (uncompressed) the bundle may hold. */
  maxSize: number;
  /** The command line as typed (redacted with the rest of index.md). */
  commandLine: string;
  version: string;
  now: Date;
}

export interface SupportBundleDeps {
  collectors: Collector[];
  redactor: BundleRedactor;
  signal: AbortSignal;
}

/** What `support-bundle` made (`--json`: `{ bundle, bytes, parts }`). */
export interface SupportBundleResult {
  bundle: string;
  /** Bytes of the archive on disk; with --dry-run, bytes of content it would hold at most. */
  bytes: number;
  sha256?: string;
  dryRun: boolean;
  parts: PartReport[];
}

interface Planned {
  part: BundlePart;
  section: string;
  keep: number;
}

/** plan gives every part the bytes it may keep: logs are cut, largest first, so the whole fits `maxSize`. */
function plan(sections: Awaited<ReturnType<typeof collectAll>>, maxSize: number): Planned[] {
  const all = sections.flatMap((s) => s.parts.map((part) => ({ part, section: s.id })));
  const sizeOf = (p: BundlePart) => (p.kind === 'text' ? Buffer.byteLength(p.text) : p.bytes);
  const cuttable = all.filter(({ part }) => part.kind === 'file' && part.truncatable);
  const fixed = all.filter((x) => !cuttable.includes(x)).reduce((n, { part }) => n + sizeOf(part), 0);
  const keeps = capSizes(cuttable.map(({ part }) => sizeOf(part)), maxSize - INDEX_RESERVE - fixed);
  return all.map((x) => ({ ...x, keep: cuttable.includes(x) ? keeps[cuttable.indexOf(x)]! : sizeOf(x.part) }));
}

const bundleFolder = (output: string) => basename(output).replace(/\.tar\.gz$|\.tgz$/, '') || 'autocodex-support';

/**
 * runSupportBundle runs the collectors, cuts the largest logs to fit `maxSize`, writes every part
 * through the redactor into a private staging folder beside the output, adds index.md, and
 * publishes one verified `.tar.gz` (mode 0600, never overwriting). A part that cannot be had is
 * listed in index.md and the result; only a failure to write the archive itself rejects, and
 * then nothing is left behind. With `dryRun` it collects the list and sizes and writes nothing.
 */
export async function runSupportBundle(options: SupportBundleOptions, deps: SupportBundleDeps): Promise<SupportBundleResult> {
  const sections = await collectAll(deps.collectors, deps.signal);
  const planned = plan(sections, options.maxSize);
  const skipped: PartReport[] = sections.flatMap((s) =>
    s.skipped.map((k) => ({ name: k.name, source: deps.redactor.redact(k.source).text, bytes: 0, masked: 0, skipped: deps.redactor.redact(`${k.reason}: ${k.detail}`).text, section: s.id })),
  );
  const cutNote = (p: Planned) => (p.part.kind === 'file' && p.keep < p.part.bytes ? { truncatedFrom: p.part.bytes } : {});

  if (options.dryRun) {
    const parts: PartReport[] = planned.map((p) => ({
      name: p.part.name,
      source: deps.redactor.redact(p.part.source).text,
      bytes: p.keep,
      masked: 0,
      section: p.section,
      ...cutNote(p),
      ...(p.keep === 0 && p.part.kind === 'file' && p.part.bytes > 0 ? { skipped: 'too large: no room left under --max-size' } : {}),
    }));
    return { bundle: options.output, bytes: parts.reduce((n, p) => n + p.bytes, 0), dryRun: true, parts: [...parts, ...skipped] };
  }

  await ensurePrivateDir(dirname(options.output));
  const staging = join(dirname(options.output), `.${basename(options.output)}.staging-${randomBytes(6).toString('hex')}`);
  const folder = join(staging, bundleFolder(options.output));
  try {
    await mkdir(folder, { recursive: true, mode: DIR_MODE });
    const parts: PartReport[] = [];
    const used = new Set<string>(['index.md']);
    for (const p of planned) {
      throwIfAborted(deps.signal);
      let name = p.part.name;
      for (let n = 2; used.has(name); n += 1) name = `${p.part.name}.${n}`;
      used.add(name);
      const base = { name, source: deps.redactor.redact(p.part.source).text, section: p.section };
      if (p.keep === 0 && p.part.kind === 'file' && p.part.bytes > 0) {
        parts.push({ ...base, bytes: 0, masked: 0, skipped: 'too large: no room left under --max-size' });
        continue;
      }
      try {
        const copied = await stagePart(folder, { ...p.part, name }, p.keep, deps.redactor, deps.signal);
        parts.push({ ...base, bytes: copied.bytes, masked: copied.masked, ...cutNote(p) });
      } catch (err) {
        throwIfAborted(deps.signal);
        await rm(join(folder, name), { force: true });
        parts.push({ ...base, bytes: 0, masked: 0, skipped: deps.redactor.redact(`${reasonOf(err)}: ${messageOf(err)}`).text });
      }
    }
    const all = [...parts, ...skipped];
    const index = deps.redactor.redact(renderIndex({ version: options.version, createdAt: options.now, commandLine: options.commandLine, maxSize: options.maxSize, sections: sections.map(({ id, title }) => ({ id, title })) }, all));
    await writeFile(join(folder, 'index.md'), index.text, { mode: FILE_MODE, flag: 'wx' });
    const indexReport: PartReport = { name: 'index.md', source: 'autocodex-ops support-bundle', bytes: Buffer.byteLength(index.text), masked: index.masked, section: 'index' };
    const written = await writeArchive({ path: options.output, source: await bundleTar(staging, basename(folder)), signal: deps.signal });
    return { bundle: written.path, bytes: written.bytes, sha256: written.sha256, dryRun: false, parts: [indexReport, ...all] };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
