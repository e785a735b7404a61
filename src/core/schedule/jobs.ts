import { parseWhen, type TimeOfDay } from './when.js';
import { UsageError } from '../errors.js';

/** The tasks `schedule install` knows, by the flag that sets their `<when>`. */
export type JobId = 'falkordb' | 'userdata' | 'projects' | 'drill' | 'drill-userdata';

/**
 * One row of the job table: what the job runs, at what time of day `daily|weekly|monthly` means,
 * and its default `<when>` when installed without its flag (undefined: only on request). A data
 * table, so a job whose command a build lacks is left out by looking the command up, not by
 * editing code.
 */
export interface JobSpec {
  id: JobId;
  flag: string;
  /** The tool's arguments after the global options. */
  args: readonly string[];
  /** The command path that must exist in this build for the job to be installable. */
  requires: string;
  at: TimeOfDay;
  defaultWhen?: string;
  /** Takes --retention-days / --keep-min. */
  retention: boolean;
  /** Scheduled with another job's `<when>` (no flag of its own), and only when `onlyWith` is installed too. */
  follows?: { when: JobId; onlyWith: JobId };
}

/** JOBS in install order; the FalkorDB backup daily at 02:30 and the drill monthly are the defaults (issue 25). */
export const JOBS: readonly JobSpec[] = [
  { id: 'falkordb', flag: '--falkordb', args: ['backup', 'falkordb'], requires: 'backup falkordb', at: { hour: 2, minute: 30 }, defaultWhen: 'daily', retention: true },
  { id: 'userdata', flag: '--userdata', args: ['backup', 'userdata'], requires: 'backup userdata', at: { hour: 2, minute: 45 }, retention: true },
  { id: 'projects', flag: '--projects', args: ['backup', 'project', '--all'], requires: 'backup project', at: { hour: 3, minute: 0 }, retention: true },
  { id: 'drill', flag: '--drill', args: ['drill', 'falkordb', '--latest'], requires: 'drill falkordb', at: { hour: 4, minute: 0 }, defaultWhen: 'monthly', retention: false },
  // A scheduled userData backup is drilled on the drill's schedule, a quarter of an hour later:
  // the restore-drill healthcheck asks for a recent drill of each kind that has backups.
  { id: 'drill-userdata', flag: '--drill', args: ['drill', 'userdata', '--latest'], requires: 'drill userdata', at: { hour: 4, minute: 15 }, retention: false, follows: { when: 'drill', onlyWith: 'userdata' } },
];

/** A job as it will be written: its id, cron expression and the tool's arguments. */
export interface PlannedJob {
  id: JobId;
  cron: string;
  args: string[];
}

/** What the user asked for: a `<when>` per job, retention flags, and which command paths exist in this build. */
export interface JobRequest {
  when: Partial<Record<JobId, string>>;
  retentionDays?: number;
  keepMin?: number;
  /** Extra arguments carried over from a replaced old line, per job (e.g. `--mode stop`). */
  extraArgs?: Partial<Record<JobId, string[]>>;
  hasCommand(path: string): boolean;
}

/**
 * planJobs decides the jobs to install: every job given a `<when>`, plus the defaults whose command
 * exists. Asking for a job whose command this build lacks is a UsageError (exit 2), naming it.
 */
export function planJobs(request: JobRequest): { jobs: PlannedJob[]; unavailable: JobId[] } {
  const jobs: PlannedJob[] = [];
  const unavailable: JobId[] = [];
  for (const spec of JOBS) {
    if (spec.follows && !jobs.some((j) => j.id === spec.follows!.onlyWith)) continue;
    const leader = spec.follows ? JOBS.find((j) => j.id === spec.follows!.when)! : spec;
    const asked = request.when[leader.id];
    const when = asked ?? leader.defaultWhen;
    if (when === undefined) continue;
    if (!request.hasCommand(spec.requires)) {
      if (asked !== undefined) {
        throw new UsageError(`${spec.flag}: this build has no \`${spec.requires}\` command, so it cannot schedule it.`, {
          hint: 'Install a version of autocodex-ops that has it, or leave the flag out.',
        });
      }
      unavailable.push(spec.id);
      continue;
    }
    const args = [...spec.args, ...(request.extraArgs?.[spec.id] ?? [])];
    if (spec.retention && request.retentionDays !== undefined) args.push('--retention-days', String(request.retentionDays));
    if (spec.retention && request.keepMin !== undefined) args.push('--keep-min', String(request.keepMin));
    jobs.push({ id: spec.id, cron: parseWhen(when, spec.at, spec.flag), args });
  }
  return { jobs, unavailable };
}

/** jobOfArgs finds which job a command line runs (for `show` and the healthcheck), by its arguments. */
export function jobOfArgs(args: readonly string[]): JobSpec | undefined {
  return JOBS.find((spec) => spec.args.every((a, i) => args[i] === a));
}
