import { describe, expect, it } from 'vitest';
import { runHealthcheck, type HealthConnectors } from '../../../../src/core/health/run-healthcheck.js';
import { FakeExec } from '../../../helpers/fake-exec.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

function connectors(): HealthConnectors & { calls: string[] } {
  const base = fakeHealthContext();
  const calls: string[] = [];
  return {
    calls,
    docker: base.docker,
    falkor: base.falkor,
    falkorAuthRequired: base.falkorAuthRequired,
    freeBytes: base.freeBytes,
    recordImagePair: async () => void calls.push('record'),
    close: async () => void calls.push('close'),
  };
}

describe('runHealthcheck', () => {
  it('records the running image pair when Graphiti is on, and always closes its connections', async () => {
    for (const [enabled, expected] of [['true', ['record', 'close']], ['false', ['close']]] as const) {
      const c = connectors();
      const { config } = fakeHealthContext({ env: { GRAPHITI_ENABLED: enabled } });
      await runHealthcheck({ strict: false, timeoutMs: 1000, only: ['sandbox'] }, { config, exec: new FakeExec(), home: '/h', now: () => new Date(), signal: new AbortController().signal, connectors: c });
      expect(c.calls).toEqual(expected);
    }
  });

  it('rejects an invalid selection before any check runs or records anything', async () => {
    const c = connectors();
    const { config } = fakeHealthContext();
    await expect(runHealthcheck({ strict: false, timeoutMs: 1000, only: ['nope'] }, { config, exec: new FakeExec(), home: '/h', now: () => new Date(), signal: new AbortController().signal, connectors: c })).rejects.toThrow(/unknown check id/);
    expect(c.calls).toEqual([]);
  });
});
