import { formatBytes } from '../format-bytes.js';
import { ExitCode } from '../exit-codes.js';

/** One finished run as notification and metrics see it (issue 25). */
export interface RunSummary {
  command: string;
  outcome: 'ok' | 'failed' | 'interrupted';
  exitCode: number;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  /** The error's message when the run failed. */
  error?: string;
  /** What the command recorded for the audit trail: archive, bytes, sha256, summary, … */
  details: Record<string, unknown>;
}

/** summarizeRun builds the summary of a run from what the audit session saw and the final exit code. */
export function summarizeRun(
  facts: { command: string; startedAt: Date; details: Record<string, unknown> },
  exitCode: number,
  error: unknown,
  endedAt: Date,
  interrupted: boolean,
): RunSummary {
  const outcome = exitCode === 0 ? 'ok' : exitCode === ExitCode.Interrupted || interrupted ? 'interrupted' : 'failed';
  const message = exitCode === 0 || error === undefined ? undefined : error instanceof Error ? error.message : String(error);
  return {
    command: facts.command,
    outcome,
    exitCode,
    startedAt: facts.startedAt,
    endedAt,
    durationMs: Math.max(0, endedAt.getTime() - facts.startedAt.getTime()),
    ...(message ? { error: message.split('\n')[0]!.slice(0, 500) } : {}),
    details: facts.details,
  };
}

/**
 * summaryLine is the one line a person reads in a chat message: what ran, how it ended, in how
 * long, and the archive or the failing checks or the error.
 */
export function summaryLine(s: RunSummary): string {
  const took = `${(s.durationMs / 1000).toFixed(1)} s`;
  const d = s.details;
  const what: string[] = [];
  if (typeof d.archive === 'string') what.push(`${d.archive}${typeof d.bytes === 'number' ? ` (${formatBytes(d.bytes)})` : ''}`);
  if (Array.isArray(d.failedChecks) && d.failedChecks.length) what.push(`failing checks: ${d.failedChecks.join(', ')}`);
  if (s.error) what.push(s.error);
  const head = s.outcome === 'ok' ? `${s.command} succeeded in ${took}` : `${s.command} ${s.outcome === 'interrupted' ? 'was interrupted' : 'failed'} (exit ${s.exitCode}) after ${took}`;
  return what.length ? `${head}: ${what.join('; ')}` : head;
}
