import { Command } from 'commander';
import { journalPlace, type App } from '../app.js';
import { HEALTHCHECK } from '../cli-options.js';
import { createContext } from '../context.js';
import { InterruptedError, ReportedFailure } from '../core/errors.js';
import { createExec } from '../core/exec/exec.js';
import { ALL_CHECKS } from '../core/health/checks/index.js';
import { createLiveConnectors } from '../core/health/live-connectors.js';
import { runHealthcheck } from '../core/health/run-healthcheck.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderCheckList, renderReport } from '../output/health.js';
import { offsiteNewest } from './offsite-shared.js';

const schema = schemaOf(HEALTHCHECK);

/** healthcheckCommand runs the preflight readiness checks; exit 1 when any check fails, 0 with warnings only. */
export function healthcheckCommand(app: App): Command {
  const cmd = new Command('healthcheck').description('preflight readiness check: toolchain, Codex, security flags, Graphiti, Docker, FalkorDB, backups');
  return addOptions(cmd, HEALTHCHECK).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'healthcheck');
    const { runtime } = app;
    if (options.listChecks) {
      const rows = ALL_CHECKS.map(({ id, group, title, requiresGraphiti }) => ({ id, group, title, requiresGraphiti: Boolean(requiresGraphiti) }));
      ctx.printer.result({ checks: rows }, () => renderCheckList(rows));
      return;
    }
    const config = await ctx.config(flagOverrides(HEALTHCHECK, options));
    const report = await runHealthcheck({ ...options, timeoutMs: options.timeout }, {
      config,
      exec: createExec(),
      home: runtime.home,
      now: () => new Date(),
      signal: ctx.signal,
      journals: journalPlace(ctx, config),
      connectors: {
        ...createLiveConnectors(config, ctx.signal, { env: runtime.env, home: runtime.home, platform: runtime.platform, cwd: runtime.cwd }, options.timeout),
        offsiteNewest: () => offsiteNewest(ctx, config),
      },
    });
    ctx.audit.touch({ status: report.status, failedChecks: report.checks.filter((c) => c.status === 'fail').map((c) => c.id), profile: report.profile, summary: report.summary });
    if (ctx.signal.aborted) throw new InterruptedError('Healthcheck interrupted.');
    ctx.printer.result(report, () => renderReport(report, { root: config.root, color: ctx.printer.color }));
    if (report.status === 'fail') throw new ReportedFailure(`healthcheck found ${report.summary.fail} failing check(s)`);
  });
}
