import { existsSync, realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { App } from '../app.js';
import { SCHEDULE_INSTALL, SCHEDULE_REMOVE } from '../cli-options.js';
import { createContext, type CommandContext } from '../context.js';
import { readTrail } from '../core/audit/show.js';
import type { OpsConfig } from '../core/config/load.js';
import { createExec } from '../core/exec/exec.js';
import { createScheduleHost } from '../core/schedule/host.js';
import { installSchedule, removeSchedule, showSchedule, type ScheduleDeps, type TrailRun } from '../core/schedule/run-schedule.js';
import { scanPathsFor } from '../core/schedule/scan.js';
import { addOptions, schemaOf } from '../option-spec.js';
import { renderInstall, renderRemove, renderShow } from '../output/schedule.js';

const installSchema = schemaOf(SCHEDULE_INSTALL);
const removeSchema = schemaOf(SCHEDULE_REMOVE);

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
export function scheduleCommand(app: App): Command {
  const schedule = new Command('schedule').description('install, show and remove the unattended jobs (cron or systemd timers)');
  const setup = async (cmd: Command) => {
    const ctx = createContext(cmd.optsWithGlobals(), app, 'schedule');
    const config = await ctx.config();
    return { ctx, config, deps: scheduleDeps(ctx, config) };
  };

  const install = new Command('install').description(
    'write one job per task, each running this tool by absolute path with -q --root; a second install replaces its own entries only',
  );
  schedule.addCommand(
    addOptions(install, SCHEDULE_INSTALL)
      .addHelpText('after', `\nJobs never carry a secret: they read the root's .env files like any run. Output goes to\n<root>/logs/autocodex-ops-cron.log (cron) or the journal (systemd).`)
      .action(async (raw: unknown, cmd: Command) => {
        const options = installSchema.parse(raw);
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
      .action(async (_raw: unknown, cmd: Command) => {
        const { ctx, config, deps } = await setup(cmd);
        const trail = await readTrail(config.audit.path);
        const runs: TrailRun[] = trail.entries.flatMap((e) => ('seq' in e ? [e] : []));
        const result = await showSchedule(config.root, runs, deps);
        ctx.printer.result(result, () => renderShow(result));
      }),
  );

  const remove = new Command('remove').description("delete exactly this root's jobs; --restore-old puts back the old lines --replace-old took out");
  schedule.addCommand(
    addOptions(remove, SCHEDULE_REMOVE).action(async (raw: unknown, cmd: Command) => {
        const options = removeSchema.parse(raw);
        const { ctx, config, deps } = await setup(cmd);
        const result = await removeSchedule({ root: config.root, target: options.target, restoreOld: options.restoreOld, stateDir: stateDir(config) }, deps);
        ctx.audit.touch({ removed: result.removed.map((r) => r.where), restored: result.restored.length });
        ctx.printer.result(result, () => renderRemove(result));
      }),
  );
  return schedule;
}
