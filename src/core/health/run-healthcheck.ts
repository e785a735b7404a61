import type { OpsConfig } from '../config/load.js';
import type { Exec } from '../exec/exec.js';
import { ALL_CHECKS } from './checks/index.js';
import { runChecks } from './run-checks.js';
import { parseIds, selectChecks } from './select.js';
import type { CheckContext, HealthReport } from './types.js';

export interface HealthcheckOptions {
  strict: boolean;
  only?: string[];
  skip?: string[];
  timeoutMs: number;
}

/**
 * The live connections a healthcheck may open (Docker, FalkorDB, disk; created lazily, closed at
 * the end), and the environment and working folder its programs run with.
 */
export interface HealthConnectors extends Pick<CheckContext, 'docker' | 'falkor' | 'falkorAuthRequired' | 'freeBytes' | 'env' | 'cwd' | 'offsiteNewest'> {
  /** Records the image pair the stack runs (for `rollback images`); never throws. */
  recordImagePair?(): Promise<void>;
  close(): Promise<void>;
}

export interface HealthcheckDeps {
  config: OpsConfig;
  exec: Exec;
  home: string;
  now(): Date;
  signal: AbortSignal;
  connectors: HealthConnectors;
  journals?: CheckContext['journals'];
}

/**
 * runHealthcheck selects the checks (--only/--skip; unknown ids are a usage error raised before any
 * check runs), runs them concurrently with per-check timeouts and always closes its connections.
 */
export async function runHealthcheck(options: HealthcheckOptions, deps: HealthcheckDeps): Promise<HealthReport> {
  const { checks, skip } = selectChecks(ALL_CHECKS, parseIds(options.only), parseIds(options.skip));
  try {
    const ctx: CheckContext = { config: deps.config, exec: deps.exec, home: deps.home, now: deps.now, signal: deps.signal, ...(deps.journals ? { journals: deps.journals } : {}), ...deps.connectors };
    const report = await runChecks(checks, ctx, { timeoutMs: options.timeoutMs, strict: options.strict, skip });
    if (deps.config.graphitiEnabled) await deps.connectors.recordImagePair?.();
    return report;
  } finally {
    await deps.connectors.close();
  }
}
