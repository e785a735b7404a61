import { messageOf, skip, textPart, type Collected, type Collector } from './types.js';

export interface AuditDeps {
  /** The newest records of the audit trail as JSON Lines, and where they came from. */
  tail(count: number): Promise<{ path: string; text: string }>;
  /** `audit verify` as text. */
  verify(): Promise<string>;
  timeoutMs: number;
}

/** How many audit records the bundle holds (issue 18). */
export const AUDIT_RECORDS = 200;

/** auditCollector writes the last 200 audit records and the result of `audit verify`; each failure is recorded, the other part still written. */
export function auditCollector(deps: AuditDeps): Collector {
  return {
    id: 'audit',
    title: 'Audit trail',
    timeoutMs: deps.timeoutMs,
    async collect(): Promise<Collected> {
      const out: Collected = { parts: [], skipped: [] };
      const [tail, verify] = await Promise.allSettled([deps.tail(AUDIT_RECORDS), deps.verify()]);
      if (tail.status === 'fulfilled') out.parts.push(textPart('audit/trail.jsonl', `the last ${AUDIT_RECORDS} records of ${tail.value.path}`, tail.value.text));
      else out.skipped.push(skip('audit/trail.jsonl', 'the audit trail', 'failed', messageOf(tail.reason)));
      if (verify.status === 'fulfilled') out.parts.push(textPart('audit/verify.txt', 'autocodex-ops audit verify', verify.value.endsWith('\n') ? verify.value : `${verify.value}\n`));
      else out.skipped.push(skip('audit/verify.txt', 'autocodex-ops audit verify', 'failed', messageOf(verify.reason)));
      return out;
    },
  };
}
