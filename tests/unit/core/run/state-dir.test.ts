import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opsStateDir } from '../../../../src/core/run/state-dir.js';

describe('opsStateDir', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-statedir-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'home');
  const fallback = join(home, '.local', 'state', 'autocodex-ops');

  it('AUTOCODEX_OPS_STATE_DIR wins', () => {
    expect(opsStateDir({ env: { AUTOCODEX_OPS_STATE_DIR: '/x' }, home, uid: 0, machineDir: join(base, 'm0') })).toBe('/x');
  });

  it('root creates the shared folder sticky and world-writable; another user only uses it', () => {
    const shared = join(base, 'm1');
    expect(opsStateDir({ env: {}, home, uid: 1000, machineDir: shared })).toBe(fallback);
    expect(opsStateDir({ env: {}, home, uid: 0, machineDir: shared })).toBe(shared);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(opsStateDir({ env: {}, home, uid: 1000, machineDir: shared })).toBe(shared);
  });

  it('a shared folder another user owns, one without the sticky bit, or a link in its place is not used', () => {
    const owned = join(base, 'm2');
    mkdirSync(owned);
    chmodSync(owned, 0o1777);
    chownSync(owned, 65534, 65534);
    expect(opsStateDir({ env: {}, home, uid: 0, machineDir: owned })).toBe(fallback);
    const loose = join(base, 'm3');
    mkdirSync(loose);
    chmodSync(loose, 0o777);
    expect(opsStateDir({ env: {}, home, uid: 1000, machineDir: loose })).toBe(fallback);
    expect(opsStateDir({ env: { XDG_STATE_HOME: '/s' }, home, uid: 1000, machineDir: loose })).toBe('/s/autocodex-ops');
    const good = join(base, 'm4');
    mkdirSync(good);
    chmodSync(good, 0o1777);
    const link = join(base, 'm5');
    symlinkSync(good, link);
    expect(opsStateDir({ env: {}, home, uid: 0, machineDir: link })).toBe(fallback);
  });
});
