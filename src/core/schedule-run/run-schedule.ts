import { dirname } from 'node:path';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';
import { jobCommand, shellQuote, type JobLineInput } from '../schedule/crontab-text.js';
import type { ScheduleHost } from '../schedule/host.js';
import { JOBS, planJobs, type JobId, type JobRequest } from '../schedule/jobs.js';
import { carryOver, findOldLines, type OldLine } from '../schedule/old-lines.js';
import { scanSources, type ScanPaths } from '../schedule/scan.js';
import { chooseTarget, createTarget, type InstalledJob, type TargetKind, type TargetPaths } from '../schedule/targets.js';
import { replaceOldLines, restoreOldLines } from './replace-old.js';

/** What the schedule use cases need from the machine; `lastRuns` reads the audit trail. */
export interface ScheduleDeps {
  host: ScheduleHost;
  user: string;
  uid: number;
  systemdRunning: boolean;
  paths: TargetPaths & ScanPaths;
  now(): Date;
  log: { info(msg: string): void; warn(msg: string): void };
}

/** The options of `schedule install`, after parsing. */
export interface InstallOptions extends Omit<JobRequest, 'extraArgs'> {
  root: string;
  target: TargetKind | 'auto';
  dryRun: boolean;
  replaceOld: boolean;
  /** The tool by absolute path: `[node, /x/dist/cli.cjs]` or `[/x/autocodex-ops]`. */
  tool: string[];
  logFile: string;
  stateDir: string;
}

/** An old script's line as reported: where, what, when. */
export interface OldLineReport {
  source: string;
  job: string;
  schedule: string;
  line: string;
}

/** `schedule install`'s result (--json). */
export interface InstallResult {
  root: string;
  target: TargetKind;
  where: string;
  dryRun: boolean;
  jobs: { id: JobId; schedule: string; command: string }[];
  unavailable: JobId[];
  oldLines: OldLineReport[];
  replaced: OldLineReport[];
  savedCopies: string[];
  /** Variables of replaced lines not carried onto the new line (names only): they belong in the root's .env. */
  notCarried: string[];
  removedElsewhere: string[];
}

const report = (l: OldLine): OldLineReport => ({ source: l.source, job: l.job, schedule: l.schedule, line: l.line });

async function oldLinesOf(deps: ScheduleDeps): Promise<{ old: OldLine[]; sources: Awaited<ReturnType<typeof scanSources>>['sources'] }> {
  const { sources, unreadable } = await scanSources(deps.host, deps.paths, deps.user);
  for (const u of unreadable) deps.log.warn(`Could not read ${u}; old schedules there were not looked for.`);
  return { old: sources.flatMap(findOldLines), sources };
}

/**
 * installSchedule writes one job per task to the chosen scheduler, replacing this root's earlier
 * entries and nothing else. With `replaceOld`, the old scripts' lines are taken out (their time
 * and variables carried over) after a copy of each file is saved; without it they are listed and
 * warned about. Any failure undoes what this run changed; `dryRun` changes nothing.
 */
export async function installSchedule(options: InstallOptions, deps: ScheduleDeps): Promise<InstallResult> {
  const kind = options.target === 'auto' ? chooseTarget(deps) : options.target;
  const target = createTarget(kind, deps.host, deps.paths, deps.user);
  // Bad flags fail (exit 2) before anything is read.
  planJobs(options);
  const { old, sources } = await oldLinesOf(deps);
  const when = { ...options.when };
  const extraArgs: Partial<Record<JobId, string[]>> = {};
  const notCarried = new Set<string>();
  const toReplace = options.replaceOld ? old.filter((l) => l.kind !== 'systemd') : [];
  for (const l of toReplace) {
    const carried = carryOver(l);
    // An explicit flag wins over the old line's time; the first old line of a job sets it.
    if (when[l.job] === undefined) when[l.job] = carried.schedule;
    extraArgs[l.job] ??= carried.args;
    carried.notCarried.forEach((n) => notCarried.add(n));
  }
  const { jobs, unavailable } = planJobs({ ...options, when, extraArgs });
  const input: JobLineInput = { tool: options.tool, root: options.root, logFile: options.logFile, user: deps.user };
  const result: InstallResult = {
    root: options.root,
    target: kind,
    where: target.where,
    dryRun: options.dryRun,
    jobs: jobs.map((j) => ({ id: j.id, schedule: j.cron, command: jobCommand(j, input).map(shellQuote).join(' ') })),
    unavailable,
    oldLines: old.map(report),
    replaced: toReplace.map(report),
    savedCopies: [],
    notCarried: [...notCarried],
    removedElsewhere: [],
  };
  for (const l of old.filter((x) => !toReplace.includes(x))) {
    deps.log.warn(`${l.source} still runs the old ${l.job === 'falkordb' ? 'backup-falkordb.sh' : 'backup-userdata.sh'}${l.schedule ? ` (${l.schedule})` : ''}, which archives an empty volume on trapped installs.`);
  }
  // Root's cron appends each job's output to the log by path (`>>` follows links), and the old
  // lines' copies are written to the state folder: neither may sit where another user could
  // swap a folder for a link. Checked before a dry run too, so it tells what install would do.
  if (kind !== 'systemd' && (kind === 'cron.d' || deps.uid === 0)) assertSafeOutputDir(dirname(options.logFile), 'the cron log folder');
  if (toReplace.length) assertSafeOutputDir(options.stateDir, 'the state folder');
  if (options.dryRun) return result;

  if (kind !== 'systemd') await deps.host.makeDir(dirname(options.logFile), 0o700);
  const replacement = toReplace.length ? await replaceOldLines(deps.host, toReplace, sources, options.stateDir, deps.now()) : undefined;
  try {
    await target.install(jobs, input);
  } catch (err) {
    await replacement?.undo().catch((undoErr: Error) => deps.log.warn(`Could not put the old lines back: ${undoErr.message}; copies are in ${options.stateDir}.`));
    throw err;
  }
  result.savedCopies = replacement?.savedCopies ?? [];
  result.replaced = (replacement?.replaced ?? []).map(report);
  // One schedule per root: entries an earlier install left in another scheduler go.
  for (const other of (['systemd', 'cron.d', 'crontab'] as const).filter((k) => k !== kind)) {
    const t = createTarget(other, deps.host, deps.paths, deps.user);
    try {
      if ((await t.read(options.root)).length && (await t.remove(options.root))) result.removedElsewhere.push(t.where);
    } catch {
      // A scheduler this user cannot read holds nothing of this install.
    }
  }
  return result;
}

/** One installed job as `show` reports it, with its last run from the audit trail. */
export interface ShownJob extends InstalledJob {
  target: TargetKind;
  where: string;
  lastRun?: { time: string; outcome: string; exitCode: number };
}

/** A run found in the audit trail: which command, for which root, when and how it ended. */
export interface TrailRun {
  command: string;
  root: string;
  time: string;
  outcome: string;
  exitCode: number;
}

/**
 * showSchedule lists this root's jobs in every scheduler this user can read, each with its last
 * run (the newest audit record of its command for this root), and the old scripts' lines.
 */
export async function showSchedule(root: string, runs: readonly TrailRun[], deps: ScheduleDeps): Promise<{ root: string; jobs: ShownJob[]; oldLines: OldLineReport[] }> {
  const jobs: ShownJob[] = [];
  for (const kind of ['systemd', 'cron.d', 'crontab'] as const) {
    const target = createTarget(kind, deps.host, deps.paths, deps.user);
    let installed: InstalledJob[] = [];
    try {
      installed = await target.read(root);
    } catch (err) {
      if (kind === 'crontab') deps.log.warn(`Could not read the ${target.where}: ${(err as Error).message}`);
    }
    for (const job of installed) {
      const spec = JOBS.find((s) => s.id === job.id);
      const last = spec ? [...runs].reverse().find((r) => r.root === root && r.command === spec.requires) : undefined;
      jobs.push({ ...job, target: kind, where: target.where, ...(last ? { lastRun: { time: last.time, outcome: last.outcome, exitCode: last.exitCode } } : {}) });
    }
  }
  return { root, jobs, oldLines: (await oldLinesOf(deps)).old.map(report) };
}

/**
 * removeSchedule deletes this root's jobs from the given scheduler (`auto`: from every one that
 * holds them) and nothing else; with `restoreOld`, the old lines `--replace-old` took out come back.
 */
export async function removeSchedule(
  options: { root: string; target: TargetKind | 'auto'; restoreOld: boolean; stateDir: string },
  deps: ScheduleDeps,
): Promise<{ root: string; removed: { target: TargetKind; where: string }[]; restored: { source: string; line: string }[] }> {
  const kinds = options.target === 'auto' ? (['systemd', 'cron.d', 'crontab'] as const) : [options.target];
  const removed: { target: TargetKind; where: string }[] = [];
  for (const kind of kinds) {
    const target = createTarget(kind, deps.host, deps.paths, deps.user);
    try {
      if ((await target.read(options.root)).length === 0 && options.target === 'auto') continue;
      if (await target.remove(options.root)) removed.push({ target: kind, where: target.where });
    } catch (err) {
      if (options.target !== 'auto') throw err;
    }
  }
  const restored = options.restoreOld ? await restoreOldLines(deps.host, options.stateDir) : [];
  return { root: options.root, removed, restored };
}
