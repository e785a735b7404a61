// The vocabulary of a support bundle (issue 18): collectors return parts (text made in memory, or
// a file read later, possibly cut to its tail) and skips (what could not be collected, and why).

/** Why a part is missing from the bundle; index.md and `--json` give it with a detail. */
export type SkipReason = 'not found' | 'too large' | 'unreadable' | 'timed out' | 'failed' | 'excluded';

/** One file of the bundle. `name` is its path inside the bundle folder (`docker/falkordb.log`). */
export type BundlePart =
  | { name: string; source: string; kind: 'text'; text: string }
  | {
      name: string;
      source: string;
      kind: 'file';
      /** Absolute path of the file to copy (redacted as it is read). */
      path: string;
      bytes: number;
      /** A log the size cap may cut to its newest lines (the oldest go first). */
      truncatable: boolean;
    };

/** Something the bundle should hold and does not. */
export interface SkippedPart {
  name: string;
  source: string;
  reason: SkipReason;
  detail: string;
}

/** What one collector found. */
export interface Collected {
  parts: BundlePart[];
  skipped: SkippedPart[];
}

/** A collector gathers one section of the bundle; any rejection is recorded as a skip of the whole section. */
export interface Collector {
  id: string;
  /** Section heading in index.md. */
  title: string;
  /** Upper bound of the whole section; past it the section is recorded as timed out. */
  timeoutMs: number;
  collect(signal: AbortSignal): Promise<Collected>;
}

/** A part as written (or, with --dry-run, as it would be), for index.md and `--json`. */
export interface PartReport {
  name: string;
  source: string;
  /** Bytes in the bundle (uncompressed); with --dry-run, bytes of the source. */
  bytes: number;
  /** Values masked by redaction (0 with --dry-run, which reads nothing). */
  masked: number;
  skipped?: string;
  /** Set when the size cap cut the part: bytes of the source before cutting. */
  truncatedFrom?: number;
  section: string;
}

/** empty is a collector result with nothing in it. */
export const empty = (): Collected => ({ parts: [], skipped: [] });

/** textPart makes an in-memory part. */
export function textPart(name: string, source: string, text: string): BundlePart {
  return { name, source, kind: 'text', text };
}

/** skip records a part that could not be collected. */
export function skip(name: string, source: string, reason: SkipReason, detail: string): SkippedPart {
  return { name, source, reason, detail };
}

/** reasonOf maps an fs error to a skip reason: ENOENT → not found, EACCES/EPERM → unreadable, else failed. */
export function reasonOf(err: unknown): SkipReason {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not found';
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return 'unreadable';
  return 'failed';
}

/** messageOf gives an error's message (never its stack) for index.md; it is redacted with the rest. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
