import { existsSync, realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { readTrail } from '../core/audit/show.js';
import type { OpsConfig } from '../core/config/load.js';
import { createExec } from '../core/exec/exec.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { createScheduleHost } from '../core/schedule/host.js';
import { renderInstall, renderRemove, renderShow } from '../core/schedule/render.js';
import { installSchedule, removeSchedule, showSchedule, type ScheduleDeps, type TrailRun } from '../core/schedule/run-schedule.js';
import { scanPathsFor } from '../core/schedule/scan.js';
import type { CommandContext } from '../context.js';
import type { Runtime } from '../runtime.js';

const count = z.coerce.number().int().nonnegative();
const target = z.enum(['auto', 'systemd', 'cron.d', 'crontab']).default('auto');

/** The options of `schedule install`; an invalid value fails with exit 2 before anything is read. */
export const scheduleInstallOptionsSchema = z
  .object({
    falkordb: z.string().optional(),
    userdata: z.string().optional(),
    projects: z.string().optional(),
    drill: z.string().optional(),
    retentionDays: count.optional(),
    keepMin: count.positive().optional(),
    dryRun: z.boolean().default(false),
    replaceOld: z.boolean().default(false),
    target,
  })
  .strict();
export const scheduleRemoveOptionsSchema = z.object({ restoreOld: z.boolean().default(false), target }).strict();

const targetOption = () =>
  new Option('--target <where>', 'auto: systemd timers when systemd runs (as root), else /etc/cron.d/autocodex-ops as root, else your crontab').choices(['auto', 'systemd', 'cron.d', 'crontab']).default('auto');

// The tool by absolute path: the single binary itself, or node with the bundle (npx's link resolved).
function selfCommand(): string[] {
  const script = process.argv[1];
  return script && /\.[cm]?js$/.test(script) ? [process.execPath, realpathSync(script)] : [process.execPath];
}

function hasCommand(cmd: Command): (path: string) => boolean {
  let root = cmd;
  while (root.parent) root = root.parent;
  return (path) => {
    let at: Command | undefined = root;
    for (const name of path.split(' ')) at = at?.commands.find((c) => c.name() === name);
    return at !== undefined;
  };
}

function scheduleDeps(ctx: CommandContext, config: OpsConfig): ScheduleDeps {
  return {
    host: createScheduleHost(createExec(), ctx.signal),
    user: userInfo().username,
    uid: process.getuid?.() ?? -1,
    // sd_booted(3): systemd is the service manager when this folder exists.
    systemdRunning: existsSync('/run/systemd/system'),
    paths: { ...scanPathsFor(config.schedule), ...config.schedule },
    now: () => new Date(),
    log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m) },
  };
}

const stateDir = (config: OpsConfig) => join(config.root, '.autocodex-ops', 'schedule');

/** scheduleCommand installs, shows and removes the tool's own cron / systemd-timer jobs (issue 25). */
export function scheduleCommand(runtime: Runtime): Command {
  const schedule = new Command('schedule').description('install, show and remove the unattended jobs (cron or systemd timers)').addHelpText('after', exitStatusHelp());
  const setup = async (cmd: Command) => {
    const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), runtime, 'schedule');
    const config = await ctx.config();
    return { ctx, config, deps: scheduleDeps(ctx, config) };
  };

  schedule.addCommand(
    new Command('install')
      .description('write one job per task, each running this tool by absolute path with -q --root; a second install replaces its own entries only')
      .option('--falkordb <when>', 'FalkorDB backup: a cron expression or daily|weekly|monthly (default daily at 02:30)')
      .option('--userdata <when>', 'userData backup (default: not scheduled; daily is 02:45)')
      .option('--projects <when>', 'project backups, where this build has `backup project` (daily is 03:00)')
      .option('--drill <when>', 'restore drill, where this build has `drill falkordb` (default monthly, 04:00 on the 1st)')
      .option('--retention-days <n>', 'passed to the backup jobs')
      .option('--keep-min <n>', 'passed to the backup jobs')
      .option('--replace-old', 'replace the crontab/cron.d lines that run backup-falkordb.sh or backup-userdata.sh, keeping their time and variables (a copy of each file is saved first)')
      .option('--dry-run', 'print the jobs and the old lines found; change nothing')
      .addOption(targetOption())
      .addHelpText('after', `\nJobs never carry a secret: they read the root's .env files like any run. Output goes to\n<root>/logs/autocodex-ops-cron.log (cron) or the journal (systemd).\n${exitStatusHelp()}`)
      .action(async (raw: unknown, cmd: Command) => {
        const options = scheduleInstallOptionsSchema.parse(raw);
        const { ctx, config, deps } = await setup(cmd);
        const { falkordb, userdata, projects, drill } = options;
        const result = await installSchedule(
          {
            ...options,
            when: { falkordb, userdata, projects, drill },
            hasCommand: hasCommand(cmd),
            root: config.root,
            tool: selfCommand(),
            logFile: join(config.root, 'logs', 'autocodex-ops-cron.log'),
            stateDir: stateDir(config),
          },
          deps,
        );
        ctx.audit.touch({ target: result.target, where: result.where, jobs: result.jobs.map((j) => `${j.id} ${j.schedule}`), replaced: result.replaced.length, dryRun: result.dryRun });
        ctx.printer.result(result, () => renderInstall(result));
      }),
  );

  schedule.addCommand(
    new Command('show')
      .description("this root's jobs in every scheduler, when each last ran (audit trail), and old scripts' lines")
      .addHelpText('after', exitStatusHelp())
      .action(async (_raw: unknown, cmd: Command) => {
        const { ctx, config, deps } = await setup(cmd);
        const trail = await readTrail(config.audit.path);
        const runs: TrailRun[] = trail.entries.flatMap((e) => ('seq' in e ? [e] : []));
        const result = await showSchedule(config.root, runs, deps);
        ctx.printer.result(result, () => renderShow(result));
      }),
  );

  schedule.addCommand(
    new Command('remove')
      .description("delete exactly this root's jobs; --restore-old puts back the old lines --replace-old took out")
      .option('--restore-old', 'put back the old scripts\' lines replaced by `install --replace-old`')
      .addOption(targetOption())
      .addHelpText('after', exitStatusHelp())
      .action(async (raw: unknown, cmd: Command) => {
        const options = scheduleRemoveOptionsSchema.parse(raw);
        const { ctx, config, deps } = await setup(cmd);
        const result = await removeSchedule({ root: config.root, target: options.target, restoreOld: options.restoreOld, stateDir: stateDir(config) }, deps);
        ctx.audit.touch({ removed: result.removed.map((r) => r.where), restored: result.restored.length });
        ctx.printer.result(result, () => renderRemove(result));
      }),
  );
  return schedule;
}
