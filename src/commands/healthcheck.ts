import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { flagOverrides } from '../core/config/flags.js';
import { InterruptedError, ReportedFailure } from '../core/errors.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { createExec } from '../core/exec/exec.js';
import { ALL_CHECKS } from '../core/health/checks/index.js';
import { createLiveConnectors } from '../core/health/live-connectors.js';
import { renderReport } from '../core/health/report.js';
import { runHealthcheck } from '../core/health/run-healthcheck.js';
import type { Runtime } from '../runtime.js';
import { offsiteNewest } from './offsite-shared.js';

export const healthcheckOptionsSchema = z
  .object({
    profile: z.enum(['default', 'production']).optional(),
    strict: z.boolean().default(false),
    only: z.array(z.string()).optional(),
    skip: z.array(z.string()).optional(),
    listChecks: z.boolean().default(false),
    timeout: z.coerce.number().int().positive().max(600_000).default(5000),
  })
  .strict();
export type HealthcheckCommandOptions = z.infer<typeof healthcheckOptionsSchema>;

/** healthcheckCommand runs the preflight readiness checks; exit 1 when any check fails, 0 with warnings only. */
export function healthcheckCommand(runtime: Runtime): Command {
  return new Command('healthcheck')
    .description('preflight readiness check: toolchain, Codex, security flags, Graphiti, Docker, FalkorDB, backups')
    .addOption(new Option('--profile <profile>', 'production escalates safety warnings to failures (= AUTO_CODEX_PRODUCTION=true)').choices(['default', 'production']))
    .option('--strict', 'turn every warning into a failure', false)
    .option('--only <ids...>', 'run only these checks (comma or space separated)')
    .option('--skip <ids...>', 'skip these checks')
    .option('--list-checks', 'list the check ids and exit', false)
    .option('--timeout <ms>', 'time limit of each check in milliseconds', '5000')
    .addHelpText('after', exitStatusHelp())
    .action(async (raw: unknown, cmd: Command) => {
      const options = healthcheckOptionsSchema.parse(raw);
      const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), runtime, 'healthcheck');
      if (options.listChecks) {
        const rows = ALL_CHECKS.map(({ id, group, title, requiresGraphiti }) => ({ id, group, title, requiresGraphiti: Boolean(requiresGraphiti) }));
        ctx.printer.result({ checks: rows }, () => rows.map((r) => `${r.id.padEnd(24)} ${r.group.padEnd(11)} ${r.title}${r.requiresGraphiti ? ' (Graphiti)' : ''}`).join('\n'));
        return;
      }
      const config = await ctx.config(flagOverrides(options));
      const report = await runHealthcheck({ ...options, timeoutMs: options.timeout }, {
        config,
        exec: createExec(),
        home: runtime.home,
        now: () => new Date(),
        signal: ctx.signal,
        connectors: { ...createLiveConnectors(config, ctx.signal, runtime.env, options.timeout, runtime.cwd), offsiteNewest: () => offsiteNewest(ctx, config) },
      });
      ctx.audit.touch({ status: report.status, failedChecks: report.checks.filter((c) => c.status === 'fail').map((c) => c.id), profile: report.profile, summary: report.summary });
      if (ctx.signal.aborted) throw new InterruptedError('Healthcheck interrupted.');
      ctx.printer.result(report, () => renderReport(report, { root: config.root, color: ctx.printer.color }));
      if (report.status === 'fail') throw new ReportedFailure(`healthcheck found ${report.summary.fail} failing check(s)`);
    });
}
