import { messageOf, skip, textPart, type Collected, type Collector } from './types.js';

/** The healthcheck report and the configuration, produced by the caller (the healthcheck use case, `config --show-origin`). */
export interface HealthDeps {
  /** The full healthcheck report as `healthcheck --json` prints it. */
  report(): Promise<unknown>;
  /** `config --show-origin` as text, secrets already `***`. */
  configText(): Promise<string>;
  timeoutMs: number;
}

/**
 * healthCollector writes healthcheck.json (the whole report) and config.txt; either one that
 * fails is recorded as skipped with its reason, and the other is still written.
 */
export function healthCollector(deps: HealthDeps): Collector {
  return {
    id: 'health',
    title: 'Healthcheck and configuration',
    timeoutMs: deps.timeoutMs,
    async collect(): Promise<Collected> {
      const out: Collected = { parts: [], skipped: [] };
      const [report, config] = await Promise.allSettled([deps.report(), deps.configText()]);
      if (report.status === 'fulfilled') out.parts.push(textPart('healthcheck.json', 'autocodex-ops healthcheck --json', `${JSON.stringify(report.value, null, 2)}\n`));
      else out.skipped.push(skip('healthcheck.json', 'autocodex-ops healthcheck --json', 'failed', messageOf(report.reason)));
      if (config.status === 'fulfilled') out.parts.push(textPart('config.txt', 'autocodex-ops config --show-origin', config.value.endsWith('\n') ? config.value : `${config.value}\n`));
      else out.skipped.push(skip('config.txt', 'autocodex-ops config --show-origin', 'failed', messageOf(config.reason)));
      return out;
    },
  };
}
