import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

// scripts/check-skips.mjs is what keeps CI from passing with tests it never ran (issue 22).
const skip = { project: 'e2e', file: 'tests/e2e/x.e2e.test.ts', test: 'suite > case', mode: 'skip', note: null };

function setup(skipped: object[], allowed: object[]) {
  const dir = mkdtempSync(join(tmpdir(), 'aco-skips-'));
  const report = join(dir, 'skipped.jsonl');
  if (skipped.length > 0) writeFileSync(report, skipped.map((s) => JSON.stringify(s)).join('\n') + '\n');
  const allowlist = join(dir, 'allow.json');
  writeFileSync(allowlist, JSON.stringify({ allowed }));
  return (ci: string) =>
    execa('node', ['scripts/check-skips.mjs'], {
      reject: false,
      env: { CI: ci, AUTOCODEX_OPS_SKIP_REPORT: report, AUTOCODEX_OPS_SKIP_ALLOWLIST: allowlist },
    });
}

describe('check-skips', () => {
  it('fails in CI on a skip that is not allow-listed, naming it', async () => {
    const run = await setup([skip], [])('true');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('NOT ALLOWED  [e2e] tests/e2e/x.e2e.test.ts > suite > case');
    expect(run.stderr).toContain('1 skipped test(s) are not in');
  });

  it('only warns outside CI', async () => {
    const run = await setup([skip], [])('');
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('fails the run when CI=true');
  });

  it('passes in CI when the skip is listed, and prints its reason', async () => {
    const run = await setup([skip], [{ file: skip.file, test: skip.test, reason: 'needs macOS' }])('true');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('reason: needs macOS');
  });

  it('passes with no skips at all, and refuses an allow-list entry without a reason', async () => {
    expect((await setup([], [])('true')).exitCode).toBe(0);
    const bad = await setup([], [{ file: 'a', test: 'b' }])('true');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('every entry needs file, test and reason');
  });
});
