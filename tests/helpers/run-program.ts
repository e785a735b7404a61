import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgram } from '../../src/program.js';
import { exitCodeFor, formatError } from '../../src/error-report.js';
import type { Runtime } from '../../src/runtime.js';
import { ReportedFailure } from '../../src/core/errors.js';
import { startAuditSession } from '../../src/core/audit/session.js';
import { VERSION } from '../../src/version.js';
import { finishRun } from '../../src/finish-run.js';

export interface ProgramRun {
  code: number;
  stdout: string;
  stderr: string;
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
 * runProgram runs the CLI in-process with a fake runtime, the way cli.ts does (audit record
 * included), and captures its output. Unless the test's env names AUTOCODEX_OPS_AUDIT_LOG (set it
 * to undefined for the default `<root>/logs/…`), audit records go to a scratch file, so a test
 * run without --root never writes an audit trail into the working tree.
 */
export async function runProgram(args: string[], over: Partial<Runtime> = {}): Promise<ProgramRun> {
  let stdout = '';
  let stderr = '';
  const env = over.env ?? {};
  if (!('AUTOCODEX_OPS_AUDIT_LOG' in env)) {
    scratchAudit ??= join(mkdtempSync(join(tmpdir(), 'aco-audit-')), 'audit.jsonl');
  }
  const runtime: Runtime = {
    cwd: process.cwd(),
    home: '/nonexistent-home',
    platform: 'linux',
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdinIsTTY: false,
    signal: new AbortController().signal,
    ...over,
    env: {
      ...('AUTOCODEX_OPS_LOCK_DIR' in env ? {} : { AUTOCODEX_OPS_LOCK_DIR: testLockDir() }),
      ...('AUTOCODEX_OPS_AUDIT_LOG' in env ? env : { ...env, AUTOCODEX_OPS_AUDIT_LOG: scratchAudit }),
    },
  };
  const audit = startAuditSession(runtime, args, { version: VERSION });
  let code = 0;
  let failure: unknown;
  try {
    await audit.attach(createProgram(runtime)).parseAsync(['node', 'autocodex-ops', ...args]);
  } catch (err) {
    failure = err;
    code = exitCodeFor(err);
    if (code !== 0 && !(err instanceof ReportedFailure)) stderr += formatError(err, args.includes('--json'));
    code = runtime.signal.aborted && code !== 0 ? 130 : code;
  }
  code = await finishRun(audit, runtime, code, failure, args.includes('--json'));
  return { code, stdout, stderr };
}
