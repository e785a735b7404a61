// pip prints the reason of a conflict ("The conflict is caused by: …") on stdout and only the
// ERROR lines on stderr; uv prints its explanation tree on stderr. Both surround it with progress
// and advice that buries the one line a reader needs, so the error message keeps only what names
// the cause.

const NOISE = [
  /^Looking in (links|indexes):/,
  /^(Processing|Collecting|Obtaining|Downloading|Using cached|Requirement already satisfied) /,
  /^\s*(INFO|WARNING): pip is looking at multiple versions/,
  /^\s*\[notice\]/,
  /^Resolved \d+ packages? in /,
  /^ERROR: ResolutionImpossible: for help visit/,
];

// `\u001b[...m` colour codes, in case a tool ignores NO_COLOR.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** How many lines of a resolver's explanation the error message keeps. */
export const MAX_ERROR_LINES = 25;

/**
 * trimResolverOutput condenses a failed resolution's output to the lines that say why: pip's ERROR
 * lines and its "conflict is caused by" block, or uv's error tree. Progress, advice ("To fix this
 * you could try to…") and notices are dropped and at most MAX_ERROR_LINES lines are kept. When
 * nothing is left it returns the last lines of the output, so no failure goes unexplained.
 */
export function trimResolverOutput(stdout: string, stderr: string): string {
  const lines = (text: string) => text.replace(ANSI, '').replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd());
  const out = lines(stdout);
  const err = lines(stderr);
  const kept = [...err.filter((l) => l.trim() !== '' && !NOISE.some((re) => re.test(l.trim()))), ...conflictBlock(out)];
  const chosen = kept.length > 0 ? kept : [...out, ...err].filter((l) => l.trim() !== '').slice(-MAX_ERROR_LINES);
  if (chosen.length <= MAX_ERROR_LINES) return chosen.join('\n');
  return [...chosen.slice(0, MAX_ERROR_LINES), `… (${chosen.length - MAX_ERROR_LINES} more lines)`].join('\n');
}

function conflictBlock(lines: string[]): string[] {
  const start = lines.findIndex((l) => l.trim() === 'The conflict is caused by:');
  if (start < 0) return [];
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === '' || /^To fix this you could try to/.test(line.trim())) break;
    block.push(line);
  }
  return block;
}
