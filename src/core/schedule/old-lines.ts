import { parseCronLine } from './crontab-text.js';
import type { JobId } from './jobs.js';

/**
 * Schedules of the old scripts (issue 25): crontab, /etc/crontab, /etc/cron.d and systemd lines
 * that run `backup-falkordb.sh` or `backup-userdata.sh`, e.g. the runbook's own
 * `0 2 * * * BACKUP_RETENTION_DAYS=14 /path/to/Auto-Codex/scripts/backup-falkordb.sh`.
 */

/** Where a scanned text came from: a user crontab, a system cron file (with user field) or a systemd unit. */
export type SourceKind = 'crontab' | 'cron-file' | 'systemd';

/** One schedule file's text and where it came from. */
export interface ScheduleSource {
  kind: SourceKind;
  /** `crontab of <user>`, or the file's path. */
  name: string;
  text: string;
}

/** An old script's schedule line: where it is, what it runs, when, and with which variables. */
export interface OldLine {
  source: ScheduleSource['name'];
  kind: SourceKind;
  /** 0-based line index in its source. */
  index: number;
  line: string;
  job: Extract<JobId, 'falkordb' | 'userdata'>;
  /** The cron schedule (empty for a systemd unit, whose time lives in its timer). */
  schedule: string;
  vars: Record<string, string>;
}

const SCRIPT = /(?:^|[\s/'"])backup-(falkordb|userdata)\.sh(?:$|[\s'";|&])/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const unquote = (v: string) => v.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');

/** findOldLines lists the lines of a source that run one of the old backup scripts. */
export function findOldLines(source: ScheduleSource): OldLine[] {
  const out: OldLine[] = [];
  source.text.split('\n').forEach((line, index) => {
    const m = SCRIPT.exec(line);
    if (!m) return;
    let schedule = '';
    let command: string;
    if (source.kind === 'systemd') {
      const exec = /^\s*ExecStart=(.*)$/.exec(line);
      if (!exec) return;
      command = exec[1]!;
    } else {
      const parsed = parseCronLine(line, source.kind === 'cron-file');
      if (!parsed) return;
      ({ schedule, command } = parsed);
    }
    out.push({ source: source.name, kind: source.kind, index, line, job: m[1] as 'falkordb' | 'userdata', schedule, vars: assignmentsBefore(command) });
  });
  return out;
}

// `A=1 B=2 /x/backup-falkordb.sh`, `env A=1 …`, `cd /x && A=1 ./scripts/backup-falkordb.sh`:
// the assignments right before the script are the ones it sees.
function assignmentsBefore(command: string): Record<string, string> {
  const words = command.split(/\s+/).filter(Boolean);
  const at = words.findIndex((w) => SCRIPT.test(` ${w} `));
  const found: [string, string][] = [];
  for (let i = at - 1; i >= 0; i -= 1) {
    const m = ASSIGNMENT.exec(words[i]!);
    if (m) found.unshift([m[1]!, unquote(m[2]!)]);
    else if (words[i] !== 'env') break;
  }
  return Object.fromEntries(found);
}

/** The flags an old line's variables become on the tool's job; the rest come from the root's .env. */
const VAR_FLAGS: Record<string, { flag: string; jobs: readonly string[] }> = {
  BACKUP_RETENTION_DAYS: { flag: '--retention-days', jobs: ['falkordb', 'userdata'] },
  BACKUP_DIR: { flag: '--output-dir', jobs: ['falkordb', 'userdata'] },
  FALKORDB_BACKUP_MODE: { flag: '--mode', jobs: ['falkordb'] },
  USERDATA_DIR: { flag: '--userdata-dir', jobs: ['userdata'] },
};

/** What replacing an old line carries over: its schedule, flags for its variables, and the variables left behind (names only). */
export interface CarryOver {
  schedule: string;
  args: string[];
  notCarried: string[];
}

/**
 * carryOver maps an old line to the tool's job: the same schedule and its known variables as
 * flags. Other variables (a password, say) are never put on the new line: they are named so the
 * operator moves them into the root's .env, where the tool reads them.
 */
export function carryOver(old: OldLine): CarryOver {
  const args: string[] = [];
  const notCarried: string[] = [];
  for (const [name, value] of Object.entries(old.vars)) {
    const map = VAR_FLAGS[name];
    if (map && map.jobs.includes(old.job) && value !== '') args.push(map.flag, value);
    else notCarried.push(name);
  }
  return { schedule: old.schedule, args, notCarried };
}
