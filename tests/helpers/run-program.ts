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
let scratchLocks: string | undefined;

/**
 * testLockDir is where runProgram's runs keep their locks unless the test's env names
 * AUTOCODEX_OPS_LOCK_DIR: a scratch folder, so parallel test files never meet in /run/lock.
 */
export function testLockDir(): string {
  scratchLocks ??= mkdtempSync(join(tmpdir(), 'aco-locks-'));
  return scratchLocks;
}

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
  const lockEnv = {
    ...('AUTOCODEX_OPS_LOCK_DIR' in env ? {} : { AUTOCODEX_OPS_LOCK_DIR: testLockDir() }),
    // The test file's own state folder (tests/setup.ts), never the machine's /var/lib/autocodex-ops.
    ...('AUTOCODEX_OPS_STATE_DIR' in env ? {} : { AUTOCODEX_OPS_STATE_DIR: process.env.AUTOCODEX_OPS_STATE_DIR }),
  };
  const runtime = testRuntime({ ...over, env: { ...lockEnv, ...('AUTOCODEX_OPS_AUDIT_LOG' in env ? env : { ...env, AUTOCODEX_OPS_AUDIT_LOG: scratchAudit }) } });
  const code = await runCli(args, runtime);
  return { code, stdout: runtime.out(), stderr: runtime.err(), asked: runtime.asked };
}
