import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimOf, engineClaim, engineSocket, folderClaim, groupsOf } from '../../../../src/core/run/lock-claims.js';
import { falkordbLockTarget, imagesLockTarget, userdataLockTarget } from '../../../../src/core/run/target-lock.js';

const asRoot = process.geteuid?.() === 0;

describe('lock claims: who may hold a target lock against root', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-claims-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('engineSocket: the local socket, a unix:// one, none for a remote engine', () => {
    expect(engineSocket('local')).toBe('/var/run/docker.sock');
    expect(engineSocket('unix:///run/user/1000/docker.sock')).toBe('/run/user/1000/docker.sock');
    expect(engineSocket('tcp://10.0.0.2:2376')).toBeUndefined();
    expect(engineClaim('ssh://ops@host')).toBeUndefined();
  });

  it('the lock names register their claims: a folder by its owner, a volume and images by the engine', () => {
    const folder = join(base, 'ud');
    mkdirSync(folder);
    expect(claimOf(userdataLockTarget(folder))?.who).toBe(`the owner of ${folder}`);
    expect(claimOf(falkordbLockTarget('local', 'v'))?.who).toBe('a user of the Docker engine /var/run/docker.sock');
    expect(claimOf(imagesLockTarget('tcp://h:2375', 'auto-codex'))).toBeUndefined();
  });

  it.runIf(asRoot)('folderClaim: the owner of the folder, or of the nearest existing folder above a missing one', () => {
    const folder = join(base, 'owned');
    mkdirSync(folder);
    chownSync(folder, 65534, 65534);
    expect(folderClaim(folder).allows(65534)).toBe(true);
    expect(folderClaim(folder).allows(1000)).toBe(false);
    expect(folderClaim(join(folder, 'not-yet', 'deeper')).allows(65534)).toBe(true);
  });

  it.runIf(asRoot)("engineClaim: the socket's owner, its group's members (a group-writable socket), anyone on a world-writable one", () => {
    const sock = join(base, 'engine.sock');
    writeFileSync(sock, '');
    chownSync(sock, 0, 65534);
    chmodSync(sock, 0o660);
    const claim = engineClaim(`unix://${sock}`)!;
    expect(claim.allows(0)).toBe(true);
    expect(claim.allows(65534)).toBe(true); // nobody's primary group is 65534 (nogroup)
    expect(claim.allows(4242)).toBe(false); // no such user: no groups
    chmodSync(sock, 0o600);
    expect(claim.allows(65534)).toBe(false);
    chmodSync(sock, 0o666);
    expect(claim.allows(4242)).toBe(true);
    expect(engineClaim(`unix://${join(base, 'missing.sock')}`)!.allows(65534)).toBe(false);
  });

  it("groupsOf: a live process's groups when it is that user's, else the user database", () => {
    expect(groupsOf(process.geteuid!(), process.pid).has(process.getegid!())).toBe(true);
    expect(groupsOf(4242)).toEqual(new Set());
  });
});
