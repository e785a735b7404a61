import { listBackups } from '../backup-store/catalog.js';
import { isFutureDated } from '../backup-store/future-dated.js';
import { updateMetricsFile } from '../metrics/metrics-file.js';
import { runSamples, type NewestBackup } from '../metrics/run-samples.js';
import { buildMessage, describeFailures, DEFAULT_LIMITS, postJson, sendNotification, type NotifyLimits, type PostJson } from '../notify/notify.js';
import { redactText } from '../redact/redact.js';
import { summaryLine, type RunSummary } from '../run/run-summary.js';

/**
 * What happens after every run of the CLI, whatever its outcome (issue 25): the webhook message
 * and the metrics file. Neither can change the run's exit status; a failure of either is
 * reported on stderr and returned for the audit record.
 */

/** The settings after-run needs, from the run's config (or the environment when that was invalid). */
export interface AfterRunSettings {
  notify: { urls: string[]; on: 'failure' | 'always' };
  metricsFile?: string;
  production: boolean;
  backupDir?: string;
}

/** Test seams: the clock, the host name, the POST and its limits, and where warnings go. */
export interface AfterRunDeps {
  host: string;
  now(): Date;
  warn(msg: string): void;
  post?: PostJson;
  limits?: NotifyLimits;
}

// Commands that notify (issue 25): backup, drill, prune, push; healthcheck in production only.
const NOTIFY_RULES: ReadonlyArray<readonly [string, 'yes' | 'no' | 'production']> = [
  ['backup list', 'no'],
  ['backup verify', 'no'],
  ['backup pull', 'no'],
  ['backup', 'yes'],
  ['drill', 'yes'],
  ['healthcheck', 'production'],
];
// Commands that write metrics: the ones whose last run an alert cares about.
const METRIC_RULES: ReadonlyArray<readonly [string, boolean]> = [
  ['backup list', false],
  ['backup verify', false],
  ['backup', true],
  ['drill', true],
  ['restore', true],
  ['healthcheck', true],
];

const ruleFor = <T>(rules: ReadonlyArray<readonly [string, T]>, command: string, otherwise: T): T =>
  rules.find(([path]) => command === path || command.startsWith(`${path} `))?.[1] ?? otherwise;

/** concernsAfterRun is false for commands that neither notify nor write metrics (config, audit, schedule, …): nothing to load for them. */
export function concernsAfterRun(command: string): boolean {
  return ruleFor(NOTIFY_RULES, command, 'no' as const) !== 'no' || ruleFor(METRIC_RULES, command, false);
}

/** shouldNotify applies the command rules and AUTOCODEX_OPS_NOTIFY_ON to a finished run. */
export function shouldNotify(s: RunSummary, settings: AfterRunSettings): boolean {
  if (!settings.notify.urls.length) return false;
  const rule = ruleFor(NOTIFY_RULES, s.command, 'no' as const);
  const production = settings.production || s.details.profile === 'production';
  if (rule === 'no' || (rule === 'production' && !production)) return false;
  return settings.notify.on === 'always' || s.outcome !== 'ok';
}

// A backup dated in the future never counts as the newest (issue 23 §4): its age would read 0 for
// as long as the wrong date lies ahead, and monitoring would see fresh backups that are not.
async function newestBackups(dir: string | undefined, now: Date): Promise<NewestBackup[]> {
  if (!dir) return [];
  const out: NewestBackup[] = [];
  for (const kind of ['falkordb', 'userdata'] as const) {
    const latest = (await listBackups(dir, kind).catch(() => [])).find((r) => !isFutureDated(r.createdAt, now));
    if (latest) out.push({ kind, createdAt: latest.createdAt });
  }
  // Newest first: the first trusted record of each project is its newest backup.
  const seen = new Set<string>();
  for (const r of await listBackups(dir, 'project').catch(() => [])) {
    if (r.label === undefined || seen.has(r.label) || isFutureDated(r.createdAt, now)) continue;
    seen.add(r.label);
    out.push({ kind: 'project', project: r.label, createdAt: r.createdAt });
  }
  return out;
}

/**
 * afterRun sends the notification and updates the metrics file for one finished run, at once,
 * and returns what to add to the run's audit record (`notification`, `metrics`). It never throws.
 */
export async function afterRun(s: RunSummary, settings: AfterRunSettings, deps: AfterRunDeps): Promise<Record<string, unknown>> {
  const audit: Record<string, unknown> = {};
  const notify = async () => {
    if (!shouldNotify(s, settings)) return;
    const message = buildMessage({
      host: deps.host,
      command: s.command,
      outcome: s.outcome,
      exitCode: s.exitCode,
      summary: summaryLine(s),
      details: s.details,
      time: s.endedAt.toISOString(),
    });
    const deliveries = await sendNotification(settings.notify.urls, message, deps.limits ?? DEFAULT_LIMITS, deps.post ?? postJson);
    audit.notification = deliveries.map((d) => ({ url: d.url, ok: d.ok, attempts: d.attempts, ...(d.error ? { error: d.error } : {}) }));
    const failures = describeFailures(deliveries);
    if (failures) deps.warn(`${failures} The run's exit status is unchanged.`);
  };
  const metrics = async () => {
    if (!settings.metricsFile || !ruleFor(METRIC_RULES, s.command, false)) return;
    try {
      const now = deps.now();
      await updateMetricsFile(settings.metricsFile, runSamples(s, await newestBackups(settings.backupDir, now), now));
      audit.metrics = { file: settings.metricsFile };
    } catch (err) {
      const reason = redactText((err as Error).message);
      audit.metrics = { file: settings.metricsFile, error: reason };
      deps.warn(`Could not update the metrics file ${settings.metricsFile}: ${reason}. The run's exit status is unchanged.`);
    }
  };
  await Promise.all([notify(), metrics()]).catch((err: Error) => deps.warn(`After-run step failed: ${redactText(err.message)}`));
  return audit;
}
