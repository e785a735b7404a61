import { describe, expect, it } from 'vitest';
import { renderLockDeps } from '../../../src/output/lock-deps.js';
import type { LockDepsResult, LockReport } from '../../../src/core/lock-deps/run-lock-deps.js';

const report = (over: Partial<LockReport>): LockReport => ({
  python: '3.12',
  input: 'auto-codex/requirements.txt',
  lock: 'auto-codex/requirements-py312.lock',
  tool: 'uv 0.5.11',
  status: 'updated',
  packages: 20,
  changes: [],
  ...over,
});

const result = (locks: LockReport[], over: Partial<LockDepsResult> = {}): LockDepsResult => ({ backend: 'uv', check: false, universal: false, pins: 'keep', locks, durationMs: 5, ...over });

describe('renderLockDeps', () => {
  it('lists the changed packages of an updated lock, at most 12 of them', () => {
    const changes = Array.from({ length: 14 }, (_, i) => ({ name: `pkg${String(i).padStart(2, '0')}`, from: '1.0', to: '1.1' }));
    const text = renderLockDeps(result([report({ changes }), report({ lock: 'tests/requirements-test-py312.lock', status: 'unchanged', packages: 1 })]), false);
    const lines = text.split('\n');
    expect(lines[0]).toBe('updated   auto-codex/requirements-py312.lock  Python 3.12, 20 packages; 14 packages changed:');
    expect(lines[1]).toBe('    pkg00 1.0 → 1.1');
    expect(lines[12]).toBe('    pkg11 1.0 → 1.1');
    expect(lines[13]).toBe('    … and 2 more');
    expect(lines[14]).toBe('unchanged tests/requirements-test-py312.lock  Python 3.12, 1 package');
  });

  it('does not list every package of a new lock', () => {
    expect(renderLockDeps(result([report({ status: 'created', changes: [{ name: 'a', to: '1' }] })]), false)).toBe('created   auto-codex/requirements-py312.lock  Python 3.12, 20 packages');
  });

  it('with --check ends with the verdict and the command that regenerates, --universal included', () => {
    const stale = result([report({ status: 'stale', changes: [{ name: 'a', from: '1', to: '2' }, { name: 'b', to: '1' }] }), report({ status: 'current', python: '3.13' })], { check: true, universal: true });
    expect(renderLockDeps(stale, false).split('\n')).toEqual([
      'stale     auto-codex/requirements-py312.lock  Python 3.12, 20 packages; 2 packages differ:',
      '    a 1 → 2',
      '    b 1 (new)',
      'current   auto-codex/requirements-py312.lock  Python 3.13, 20 packages',
      '1 of 2 lock files are stale or missing; regenerate them with `autocodex-ops lock-deps 3.12 3.13 --universal`.',
    ]);
    expect(renderLockDeps(result([report({ status: 'current' })], { check: true }), false)).toMatch(/\nAll 1 lock files are current\.$/);
  });

  it('colours the status only when asked', () => {
    expect(renderLockDeps(result([report({ status: 'stale' })], { check: true }), true)).toContain('\u001b[31mstale    \u001b[0m');
  });
});
