import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { App } from './app.js';
import type { AuditSession } from './core/audit/session.js';
import { afterRun, concernsAfterRun, type AfterRunDeps, type AfterRunSettings } from './core/after-run/after-run.js';
import { isTruthy } from './core/config/env-bool.js';
import { notifyUrls } from './core/config/load.js';
import { summarizeRun } from './core/run/run-summary.js';
import { createLogger } from './output/logger.js';

/**
 * finishRun ends every run of the CLI the same way (run-cli): the webhook notification and the
 * metrics file first (issue 25), their outcome added to the audit record, then the record itself.
 * Returns the exit code to use; notification and metrics never change it.
 */
export async function finishRun(app: App, code: number, failure: unknown, json: boolean, deps: Partial<AfterRunDeps> = {}): Promise<number> {
  const { audit, runtime, redactor } = app;
  const facts = audit.facts();
  if (facts && concernsAfterRun(facts.command)) {
    const config = await audit.runConfig();
    // An invalid configuration is itself worth a notification: read the settings without validating the rest.
    const settings: AfterRunSettings = config
      ? { notify: config.notify, metricsFile: config.metricsFile, production: config.production, backupDir: config.backupDir }
      : await unvalidatedSettings(audit);
    for (const url of settings.notify.urls) redactor.addSecret(url);
    const summary = summarizeRun(facts, code, failure, new Date(), runtime.signal.aborted);
    const log = createLogger({ level: 'warn', json, write: (line) => runtime.stderr.write(line), redact: (v) => redactor.value(v) }).child({ cmd: 'notify' });
    const details = await afterRun(summary, settings, { host: hostname(), now: () => new Date(), warn: (msg) => log.warn(msg), ...deps });
    audit.recorder.touch(details);
  }
  return audit.finish(code, failure);
}

async function unvalidatedSettings(audit: AuditSession): Promise<AfterRunSettings> {
  const { root, values } = await audit.rawValues();
  const metricsFile = values.AUTOCODEX_OPS_METRICS_FILE.value;
  return {
    notify: { urls: notifyUrls(values.AUTOCODEX_OPS_NOTIFY_URL.value, []), on: values.AUTOCODEX_OPS_NOTIFY_ON.value?.trim().toLowerCase() === 'always' ? 'always' : 'failure' },
    metricsFile: metricsFile ? (isAbsolute(metricsFile) ? metricsFile : resolve(root, metricsFile)) : undefined,
    production: isTruthy(values.AUTO_CODEX_PRODUCTION.value),
  };
}
