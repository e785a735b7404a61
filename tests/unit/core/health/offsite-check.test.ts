import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrerequisiteError } from '../../../../src/core/errors.js';
import { offsiteFreshnessCheck } from '../../../../src/core/health/checks/offsite.js';
import type { OffsiteNewest } from '../../../../src/core/health/types.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

const NOW = new Date('2026-12-04T12:00:00Z');

function machine(remote: OffsiteNewest | undefined | Error, local: string[] = ['userdata_20261203_000000.tar.gz'], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aco-bk-'));
  for (const name of local) writeFileSync(join(dir, name), 'x');
  const ctx = fakeHealthContext({ env: { BACKUP_DIR: dir, ...env } });
  return { ...ctx, now: () => NOW, offsiteNewest: async () => { if (remote instanceof Error) throw remote; return remote; } };
}
const at = (iso: string, kind = 'userdata') => ({ kind, name: `${kind}_x.tar.gz`, at: new Date(iso) });

describe('offsite-freshness', () => {
  it('is skipped without a store', async () => {
    expect((await offsiteFreshnessCheck.run(machine(undefined))).status).toBe('skip');
  });
  it('is ok when each kind with local backups has a recent offsite copy', async () => {
    const r = await offsiteFreshnessCheck.run(machine({ location: 's3://b/p', newest: [at('2026-12-03T00:00:00Z')] }));
    expect(r).toMatchObject({ status: 'ok' });
    expect(r.message).toMatch(/userdata 1\.5 days/);
  });
  it('warns on a copy older than AUTO_CODEX_BACKUP_MAX_AGE_DAYS, fails when backups are enforced', async () => {
    const old = { location: 's3://b/p', newest: [at('2026-11-01T00:00:00Z')] };
    expect((await offsiteFreshnessCheck.run(machine(old))).status).toBe('warn');
    const r = await offsiteFreshnessCheck.run(machine(old, undefined, { AUTO_CODEX_ENFORCE_BACKUPS: 'true' }));
    expect(r.status).toBe('fail');
    expect(r.hint).toMatch(/backup push --missing/);
  });
  it('warns when local backups of a kind have no offsite copy at all', async () => {
    const r = await offsiteFreshnessCheck.run(machine({ location: 's3://b/p', newest: [] }, ['falkordb_data_20261203_000000.tar.gz']));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/no falkordb copy at s3:\/\/b\/p/);
  });
  it('an unreachable store is a warning with its hint, not a crash', async () => {
    const r = await offsiteFreshnessCheck.run(machine(new PrerequisiteError('The S3 endpoint did not answer', { hint: 'check it' })));
    expect(r).toMatchObject({ status: 'warn', hint: 'check it' });
  });
});
