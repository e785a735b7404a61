import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../../src/runtime.js';
import { runCli } from '../../src/run-cli.js';
import { testRuntime } from './runtime.js';

export interface ProgramRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The questions the run asked on its (test) terminal. */
  asked: string[];
}

let scratchAudit: string | undefined;

/**
 * runProgram runs the CLI in-process through runCli, as cli.ts does (audit record included), and
 * captures its output. `answers` makes stdin a terminal that types them. Unless the test's env
 * names AUTOCODEX_OPS_AUDIT_LOG (set it to undefined for the default `<root>/logs/…`), audit
 * records go to a scratch file, so a test run without --root never writes into the working tree.
 */
export async function runProgram(args: string[], over: Partial<Runtime> & { answers?: string[] } = {}): Promise<ProgramRun> {
  const env = over.env ?? {};
  if (!('AUTOCODEX_OPS_AUDIT_LOG' in env)) {
    scratchAudit ??= join(mkdtempSync(join(tmpdir(), 'aco-audit-')), 'audit.jsonl');
  }
  const runtime = testRuntime({ ...over, env: 'AUTOCODEX_OPS_AUDIT_LOG' in env ? env : { ...env, AUTOCODEX_OPS_AUDIT_LOG: scratchAudit } });
  const code = await runCli(args, runtime);
  return { code, stdout: runtime.out(), stderr: runtime.err(), asked: runtime.asked };
}
