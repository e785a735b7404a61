import { describe, expect, it } from 'vitest';
import { whyUntrusted, type TrustPolicy } from '../../../../src/core/config/trust.js';

const policy = (uid: number, gid: number, owners: number[] = []): TrustPolicy => ({ uid, gid, owners: new Set(owners) });

describe('whyUntrusted', () => {
  it('trusts files of this user or root that only their owner may write', () => {
    expect(whyUntrusted({ uid: 0, gid: 0, mode: 0o644 }, policy(0, 0))).toBeUndefined();
    expect(whyUntrusted({ uid: 1000, gid: 1000, mode: 0o600 }, policy(1000, 1000))).toBeUndefined();
    expect(whyUntrusted({ uid: 0, gid: 0, mode: 0o664 }, policy(1000, 1000))).toBeUndefined();
  });
  it('trusts a group-writable file of the run\'s own group (user-private groups, umask 002)', () => {
    expect(whyUntrusted({ uid: 1000, gid: 1000, mode: 0o664 }, policy(1000, 1000))).toBeUndefined();
  });
  it('refuses another owner unless the root was named explicitly, and anything writable by others', () => {
    expect(whyUntrusted({ uid: 1000, gid: 1000, mode: 0o600 }, policy(0, 0))).toBe('it is owned by uid 1000, not by this user (uid 0) or root');
    expect(whyUntrusted({ uid: 1000, gid: 1000, mode: 0o600 }, policy(0, 0, [1000]))).toBeUndefined();
    expect(whyUntrusted({ uid: 0, gid: 0, mode: 0o666 }, policy(0, 0))).toBe('it is writable by every user');
    expect(whyUntrusted({ uid: 0, gid: 50, mode: 0o660 }, policy(0, 0))).toBe('it is writable by group 50');
  });
});
