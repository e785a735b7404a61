import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opsLockDir, privateLockDir } from '../../../../src/core/run/lock-dir.js';

describe('opsLockDir', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-lockdir-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'home');
  const fallback = join(home, '.cache', 'autocodex-ops', 'locks');

  it('AUTOCODEX_OPS_LOCK_DIR wins', () => {
    expect(opsLockDir({ env: { AUTOCODEX_OPS_LOCK_DIR: '/x' }, home, uid: 0, machineDir: join(base, 'm0') })).toBe('/x');
  });

  it('root creates the shared folder sticky and world-writable; another user only uses it', () => {
    const shared = join(base, 'm1');
    expect(opsLockDir({ env: {}, home, uid: 1000, machineDir: shared })).toBe(fallback);
    expect(opsLockDir({ env: {}, home, uid: 0, machineDir: shared })).toBe(shared);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(opsLockDir({ env: {}, home, uid: 1000, machineDir: shared })).toBe(shared);
  });

  it('a shared folder another user owns, or one without the sticky bit, is not used', () => {
    const owned = join(base, 'm2');
    mkdirSync(owned);
    chmodSync(owned, 0o1777);
    chownSync(owned, 65534, 65534);
    expect(opsLockDir({ env: {}, home, uid: 1000, machineDir: owned })).toBe(fallback);
    const loose = join(base, 'm3');
    mkdirSync(loose);
    chmodSync(loose, 0o777);
    expect(opsLockDir({ env: {}, home, uid: 1000, machineDir: loose })).toBe(fallback);
    expect(opsLockDir({ env: { XDG_CACHE_HOME: '/c' }, home, uid: 1000, machineDir: loose })).toBe('/c/autocodex-ops/locks');
  });

  it.runIf(process.geteuid?.() === 0)('root does not use a shared folder a user made first: the fallback, with one warning naming it', () => {
    const taken = join(base, 'm4');
    mkdirSync(taken);
    chmodSync(taken, 0o1777);
    chownSync(taken, 65534, 65534);
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(opsLockDir({ env: {}, home, uid: 0, machineDir: taken, warn })).toBe(fallback);
    expect(opsLockDir({ env: {}, home, uid: 0, machineDir: taken, warn })).toBe(fallback);
    expect(warnings).toEqual([`The shared lock folder ${taken} is not a root-owned sticky folder (owned by uid 65534, mode 1777), so root's locks are kept in ${fallback}, where other users' runs do not see them. Remove ${taken}; the next root run creates it properly.`]);
  });

  it('privateLockDir: this user\'s own 0700 folder in the shared base; one another user took first, a loose one or a link: the fallback', () => {
    const uid = process.geteuid!();
    const shared = join(base, 'tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(privateLockDir(shared, uid, '/fb')).toBe(join(shared, `autocodex-ops-${uid}`, 'locks'));
    expect(statSync(join(shared, `autocodex-ops-${uid}`)).mode & 0o777).toBe(0o700);
    chmodSync(join(shared, `autocodex-ops-${uid}`), 0o777);
    expect(privateLockDir(shared, uid, '/fb')).toBe('/fb');
    const other = join(base, 'tmp2');
    mkdirSync(other);
    symlinkSync(base, join(other, `autocodex-ops-${uid}`));
    expect(privateLockDir(other, uid, '/fb')).toBe('/fb');
    if (uid === 0) {
      const taken = join(base, 'tmp3');
      mkdirSync(join(taken, 'autocodex-ops-0'), { recursive: true, mode: 0o700 });
      chownSync(join(taken, 'autocodex-ops-0'), 65534, 65534);
      expect(privateLockDir(taken, 0, '/fb')).toBe('/fb');
    }
  });
});
