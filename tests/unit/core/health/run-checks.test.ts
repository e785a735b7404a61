import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../../../src/core/health/checks/index.js';
import { runChecks } from '../../../../src/core/health/run-checks.js';
import { selectChecks } from '../../../../src/core/health/select.js';
import { renderReport } from '../../../../src/output/health.js';
import { ok, warn, type Check } from '../../../../src/core/health/types.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

const check = (id: string, run: Check['run'], extra: Partial<Check> = {}): Check => ({ id, group: 'toolchain', title: id, run, ...extra });

describe('runChecks', () => {
  it('bounds a hung check by the timeout without stalling the others', async () => {
    const started = Date.now();
    const report = await runChecks(
      [check('hung', () => new Promise(() => undefined)), check('fine', async () => ok('fine'))],
      fakeHealthContext(),
      { timeoutMs: 150, strict: false },
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([['hung', 'fail'], ['fine', 'ok']]);
    expect(report.checks[0]!.message).toMatch(/no answer within 150 ms/);
    expect(report.status).toBe('fail');
  });

  it('turns warnings into failures with --strict, and counts', async () => {
    const checks = [check('a', async () => warn('w', 'h')), check('b', async () => ok('o'))];
    const lax = await runChecks(checks, fakeHealthContext(), { timeoutMs: 1000, strict: false });
    expect(lax).toMatchObject({ status: 'warn', summary: { ok: 1, warn: 1, fail: 0, skip: 0 } });
    const strict = await runChecks(checks, fakeHealthContext(), { timeoutMs: 1000, strict: true });
    expect(strict).toMatchObject({ status: 'fail', summary: { ok: 1, warn: 0, fail: 1, skip: 0 } });
  });

  it('skips Graphiti checks when Graphiti is off, and --skip ids', async () => {
    const checks = [check('g', async () => ok('x'), { requiresGraphiti: true }), check('s', async () => ok('x'))];
    const report = await runChecks(checks, fakeHealthContext(), { timeoutMs: 1000, strict: false, skip: new Set(['s']) });
    expect(report.checks.map((c) => c.message)).toEqual(['Graphiti disabled (GRAPHITI_ENABLED is not true)', 'skipped (--skip)']);
    expect(report.status).toBe('ok');
  });

  it('turns a crash into a failing check that asks for a report', async () => {
    const report = await runChecks([check('boom', async () => { throw new TypeError('x is undefined'); })], fakeHealthContext(), { timeoutMs: 1000, strict: false });
    expect(report.checks[0]).toMatchObject({ status: 'fail', message: 'boom: check crashed: x is undefined', hint: expect.stringMatching(/bug/) });
  });
});

describe('selectChecks', () => {
  it('rejects unknown ids with exit 2 and lists valid ones', () => {
    expect(() => selectChecks(ALL_CHECKS, ['python', 'pyhton'], [])).toThrow(/unknown check id: pyhton/);
    try {
      selectChecks(ALL_CHECKS, [], ['nope']);
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
    expect(selectChecks(ALL_CHECKS, ['node', 'git'], []).checks.map((c) => c.id)).toEqual(['node', 'git']);
  });
  it('covers every id of the contract', () => {
    const contract = 'python node git git-repo git-clean codex-auth codex-cli sandbox unsigned-updates insecure-token-storage graphiti-config docker compose image-tags falkordb-auth falkordb-appendonly falkordb-live falkordb-data-mount falkordb-exposure graphiti-mcp-live backup-freshness backup-integrity backup-disk lockfiles risk-policy';
    const secondWave = 'containers-health graphiti-mcp-exposure userdata-backup-freshness scheduled-backups offsite-freshness restore-drill restore-interrupted task-logs';
    const readmeOnly = 'config-warnings';
    expect(ALL_CHECKS.map((c) => c.id).sort()).toEqual(`${contract} ${secondWave} ${readmeOnly}`.split(' ').sort());
  });
  it('refuses a selection that leaves no check (exit 2)', () => {
    expect(() => selectChecks(ALL_CHECKS, ['python'], ['python'])).toThrow(/no check selected/);
    try {
      selectChecks(ALL_CHECKS, ['python', 'node'], ['python', 'node']);
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
    expect(selectChecks(ALL_CHECKS, ['python', 'node'], ['python']).checks.map((c) => c.id)).toContain('node');
  });
});

describe('renderReport', () => {
  it('prints grouped lines, hints for warn/fail and the summary', async () => {
    const report = await runChecks([check('a', async () => warn('careful', 'do this')), check('b', async () => ok('fine'))], fakeHealthContext(), { timeoutMs: 1000, strict: false });
    const text = renderReport(report, { root: '/r', color: false });
    expect(text).toContain('[warn] a  careful');
    expect(text).toContain('hint: do this');
    expect(text).toContain('[ok]   b  fine');
    expect(text.trim().split('\n').at(-1)).toBe('[summary] WARN (1 ok, 1 warn, 0 fail, 0 skip)');
  });
});
