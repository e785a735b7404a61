import { OpsError } from '../errors.js';
import { SkipCheck, type Check, type CheckContext, type CheckReport, type CheckResult, type CheckStatus, type HealthReport } from './types.js';

export interface RunChecksOptions {
  timeoutMs: number;
  strict: boolean;
  /** Ids to mark skipped (`--skip`); `checks` is already narrowed by `--only`. */
  skip?: ReadonlySet<string>;
}

async function runOne(check: Check, ctx: CheckContext, options: RunChecksOptions): Promise<CheckResult> {
  if (options.skip?.has(check.id)) return { status: 'skip', message: 'skipped (--skip)' };
  if (check.requiresGraphiti && !ctx.config.graphitiEnabled) {
    return { status: 'skip', message: 'Graphiti disabled (GRAPHITI_ENABLED is not true)' };
  }
  const limit = Math.max(options.timeoutMs, check.minTimeoutMs ?? 0);
  const timeout = AbortSignal.timeout(limit);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let timer: NodeJS.Timeout | undefined;
  // The race bounds the check even when it ignores its signal: one hung service never stalls the run.
  const deadline = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          status: 'fail',
          message: `${check.title}: no answer within ${limit} ms`,
          hint: 'The service accepted the request but did not answer; check that it is not hung or overloaded, or raise --timeout.',
        }),
      limit,
    );
  });
  try {
    return await Promise.race([check.run({ ...ctx, signal }), deadline]);
  } catch (err) {
    if (err instanceof SkipCheck) return { status: 'skip', message: err.message };
    if (timeout.aborted) return { status: 'fail', message: `${check.title}: no answer within ${limit} ms`, hint: 'Raise --timeout if the service is just slow.' };
    if (err instanceof OpsError) return { status: 'fail', message: err.message, hint: err.hint ?? 'See the message above.' };
    const message = err instanceof Error ? err.message : String(err);
    return { status: 'fail', message: `${check.title}: check crashed: ${message}`, hint: 'This is a bug in autocodex-ops; please report it.' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * runChecks runs every check concurrently, each bounded by its own timeout, and returns the
 * report in the checks' order; `strict` turns every warning into a failure.
 */
export async function runChecks(checks: readonly Check[], ctx: CheckContext, options: RunChecksOptions): Promise<HealthReport> {
  const rows: CheckReport[] = await Promise.all(
    checks.map(async (check) => {
      const started = performance.now();
      let result = await runOne(check, ctx, options);
      if (options.strict && result.status === 'warn') result = { ...result, status: 'fail', hint: `${result.hint ?? ''} (a warning fails under --strict)`.trim() };
      return { id: check.id, group: check.group, ...result, durationMs: Math.round(performance.now() - started) };
    }),
  );
  const summary: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const row of rows) summary[row.status] += 1;
  return {
    status: summary.fail > 0 ? 'fail' : summary.warn > 0 ? 'warn' : 'ok',
    profile: ctx.config.production ? 'production' : 'default',
    checks: rows,
    summary,
  };
}
