import { UsageError } from '../errors.js';

/** Default `--max-size`: the bundle's content, uncompressed, stays under 100 MB (issue 18). */
export const DEFAULT_MAX_SIZE = 100 * 1000 * 1000;
/** Room kept for index.md, which is written last and never cut. */
export const INDEX_RESERVE = 256 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3 };

/**
 * parseSize reads `--max-size`: bytes, or a number with k/M/G (powers of 1000) or KiB/MiB/GiB
 * (powers of 1024), case-insensitive (`300MB`, `1.5G`, `512KiB`). Anything else, or less than
 * 1 MiB, is a UsageError (exit 2).
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`--max-size: '${text}' is not a size.`, { hint: 'Give bytes or a number with a unit: 100MB, 1.5G, 512MiB.' });
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1024 * 1024) throw new UsageError(`--max-size: ${text} is too small; the bundle needs at least 1 MiB.`, { hint: 'The default is 100MB.' });
  return bytes;
}

/**
 * capSizes decides how much of each cuttable log the bundle keeps so that everything fits in
 * `budget` bytes: the largest logs are cut first, each to the same length L (water-filling), and
 * logs smaller than L are kept whole. Returns, for each size, the bytes to keep (0: leave it out).
 */
export function capSizes(sizes: readonly number[], budget: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= budget) return [...sizes];
  const order = sizes.map((size, i) => ({ size, i })).sort((a, b) => a.size - b.size);
  const keep = new Array<number>(sizes.length).fill(0);
  let remaining = Math.max(0, budget);
  for (let k = 0; k < order.length; k += 1) {
    const left = order.length - k;
    const { size, i } = order[k]!;
    if (size * left <= remaining) {
      keep[i] = size;
      remaining -= size;
      continue;
    }
    const level = Math.floor(remaining / left);
    for (const rest of order.slice(k)) keep[rest.i] = Math.min(rest.size, level);
    break;
  }
  return keep;
}
