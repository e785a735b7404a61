import type { PlannedJob } from './jobs.js';

/**
 * The tool's entries in a crontab or a cron.d file are one marked block per root, so that a second
 * install replaces exactly its own lines, `remove` deletes exactly them, and every other byte of
 * the file stays as it was (issue 25).
 */

/** How a job's command starts: the tool by absolute path (`node /x/cli.cjs` or the single binary). */
export interface JobLineInput {
  tool: readonly string[];
  root: string;
  logFile: string;
  /** The user field of /etc/cron.d lines; undefined for a user crontab. */
  user?: string;
}

const beginMarker = (root: string) => `# >>> autocodex-ops schedule for ${root} (managed by \`autocodex-ops schedule\`; edits here are replaced) >>>`;
const endMarker = (root: string) => `# <<< autocodex-ops schedule for ${root} <<<`;
const JOB_MARK = /^# autocodex-ops job (\S+)$/;

/** shellQuote quotes one word for /bin/sh only when needed. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** jobCommand is the shell command a job runs: the tool with `-q --root`, its output appended to the log. */
export function jobCommand(job: PlannedJob, input: JobLineInput): string[] {
  return [...input.tool, '-q', '--root', input.root, ...job.args];
}

/** renderBlock writes the marked block of one root; `%` is escaped because cron turns it into a newline. */
export function renderBlock(jobs: readonly PlannedJob[], input: JobLineInput): string[] {
  const lines = [beginMarker(input.root)];
  for (const job of jobs) {
    const command = `${jobCommand(job, input).map(shellQuote).join(' ')} >>${shellQuote(input.logFile)} 2>&1`.replace(/%/g, '\\%');
    lines.push(`# autocodex-ops job ${job.id}`, `${job.cron} ${input.user ? `${input.user} ` : ''}${command}`);
  }
  lines.push(endMarker(input.root));
  return lines;
}

/** Where a root's block sits in a file's lines (end inclusive), if it is there. */
function findBlock(lines: readonly string[], root: string): { start: number; end: number } | undefined {
  const start = lines.indexOf(beginMarker(root));
  if (start < 0) return undefined;
  const end = lines.indexOf(endMarker(root), start + 1);
  return { start, end: end < 0 ? lines.length - 1 : end };
}

const splitLines = (text: string) => {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};
const joinLines = (lines: readonly string[]) => (lines.length ? `${lines.join('\n')}\n` : '');

/**
 * withBlock puts the root's block into a file's text: in place of the old block when there is
 * one, else at the end. Other lines are kept byte for byte (a missing final newline gets one).
 */
export function withBlock(text: string, root: string, block: readonly string[]): string {
  const lines = splitLines(text);
  const at = findBlock(lines, root);
  if (at) lines.splice(at.start, at.end - at.start + 1, ...block);
  else lines.push(...block);
  return joinLines(lines);
}

/** withoutBlock removes the root's block; `removed` is false (and the text unchanged) when there was none. */
export function withoutBlock(text: string, root: string): { text: string; removed: boolean } {
  const lines = splitLines(text);
  const at = findBlock(lines, root);
  if (!at) return { text, removed: false };
  lines.splice(at.start, at.end - at.start + 1);
  return { text: joinLines(lines), removed: true };
}

/** An installed job as read back from a block: its id, schedule and the line itself. */
export interface InstalledLine {
  id: string;
  cron: string;
  line: string;
}

/** readBlock lists the jobs in the root's block (empty when there is none). */
export function readBlock(text: string, root: string): InstalledLine[] {
  const lines = splitLines(text);
  const at = findBlock(lines, root);
  if (!at) return [];
  const out: InstalledLine[] = [];
  for (let i = at.start + 1; i < at.end; i += 1) {
    const mark = JOB_MARK.exec(lines[i]!);
    const line = lines[i + 1];
    if (!mark || line === undefined) continue;
    out.push({ id: mark[1]!, cron: parseCronLine(line, false)?.schedule ?? '?', line });
  }
  return out;
}

/** blockRoots names every root with a block in a file (the healthcheck's "this tool's schedule"). */
export function blockRoots(text: string): string[] {
  return splitLines(text)
    .map((l) => /^# >>> autocodex-ops schedule for (.+) \(managed by/.exec(l)?.[1])
    .filter((r): r is string => r !== undefined);
}

/** A crontab line split into its schedule, the user field of system files, and the command. */
export interface CronLine {
  schedule: string;
  user?: string;
  command: string;
}

/**
 * parseCronLine splits a job line of a user crontab (`system` false) or of /etc/crontab and
 * /etc/cron.d (`system` true, with a user field); comments, blank and variable lines give undefined.
 */
export function parseCronLine(line: string, system: boolean): CronLine | undefined {
  const text = line.trim();
  if (!text || text.startsWith('#') || /^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(text)) return undefined;
  const words = text.split(/\s+/);
  const timeFields = words[0]!.startsWith('@') ? 1 : 5;
  if (words.length < timeFields + (system ? 2 : 1)) return undefined;
  const schedule = words.slice(0, timeFields).join(' ');
  // Re-split the original text so the command keeps its own spacing.
  const rest = text.replace(new RegExp(`^(\\S+\\s+){${timeFields + (system ? 1 : 0)}}`), '');
  return { schedule, ...(system ? { user: words[timeFields] } : {}), command: rest };
}
