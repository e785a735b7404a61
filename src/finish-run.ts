import { hostname } from 'node:os';
import type { AuditSession } from './core/audit/session.js';
import { isTruthy } from './core/config/env-bool.js';
import { notifyUrls } from './core/config/load.js';
import { registerSecret, redactText } from './core/redact/redact.js';
import { afterRun, type AfterRunDeps, type AfterRunSettings } from './core/after-run/after-run.js';
import { summarizeRun } from './core/run/run-summary.js';
import type { Runtime } from './runtime.js';

/**
 * finishRun ends every run of the CLI the same way (cli.ts and its in-process test twin): the
 * webhook notification and the metrics file first (issue 25), their outcome added to the audit
 * record, then the record itself. Returns the exit code to use; notification and metrics never
 * change it.
 */
export async function finishRun(
  audit: AuditSession,
  runtime: Runtime,
  code: number,
  failure: unknown,
  json: boolean,
  deps: Partial<AfterRunDeps> = {},
): Promise<number> {
  const facts = audit.facts();
  if (facts) {
    const config = await audit.runConfig();
    // An invalid configuration is itself worth a notification: fall back to the environment.
    const settings: AfterRunSettings = config
      ? { notify: config.notify, metricsFile: config.metricsFile, production: config.production, backupDir: config.backupDir }
      : {
          notify: { urls: notifyUrls(runtime.env.AUTOCODEX_OPS_NOTIFY_URL, []), on: runtime.env.AUTOCODEX_OPS_NOTIFY_ON?.trim().toLowerCase() === 'always' ? 'always' : 'failure' },
          metricsFile: runtime.env.AUTOCODEX_OPS_METRICS_FILE || undefined,
          production: isTruthy(runtime.env.AUTO_CODEX_PRODUCTION),
        };
    for (const url of settings.notify.urls) registerSecret(url);
    const summary = summarizeRun(facts, code, failure, new Date(), runtime.signal.aborted);
    const warn = (msg: string) => {
      const text = redactText(msg);
      runtime.stderr.write(json ? `${JSON.stringify({ level: 'warn', cmd: 'notify', msg: text })}\n` : `[notify] Warning: ${text}\n`);
    };
    const details = await afterRun(summary, settings, { host: hostname(), now: () => new Date(), warn, ...deps });
    audit.recorder.touch(details);
  }
  return audit.finish(code, failure);
}
