import { chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asOwnerSync } from '../../src/core/fs/as-owner.js';
import { ownerToActAs } from '../../src/core/fs/identity.js';
import { readTextNoFollow } from '../../src/core/fs/read-no-follow.js';

// The primitives of issue 14 §1 with real ids: this suite runs as root; `nobody` owns the folder.
const NOBODY = 65534;

describe('acting as a folder\'s owner', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-asowner-'));
  const mine = join(base, 'nobody');
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  chmodSync(base, 0o755);
  mkdirSync(mine);
  chownSync(mine, NOBODY, NOBODY);

  it('ownerToActAs names the owner of the path, or of its nearest existing folder; none for root-owned places', () => {
    expect(ownerToActAs(mine)).toEqual({ uid: NOBODY, gid: NOBODY });
    expect(ownerToActAs(join(mine, 'not', 'yet'))).toEqual({ uid: NOBODY, gid: NOBODY });
    expect(ownerToActAs(base)).toBeUndefined();
  });

  it('asOwnerSync creates files as the owner, refuses root-only places, and is root again afterwards, even after a throw', () => {
    asOwnerSync({ uid: NOBODY, gid: NOBODY }, () => writeFileSync(join(mine, 'made'), 'x'));
    expect(lstatSync(join(mine, 'made')).uid).toBe(NOBODY);
    expect(() => asOwnerSync({ uid: NOBODY, gid: NOBODY }, () => writeFileSync(join(base, 'root-file'), 'x'))).toThrow(/EACCES/);
    expect(process.geteuid!()).toBe(0);
    expect(process.getegid!()).toBe(0);
    expect(process.getgroups!()).not.toContain(NOBODY);
  });

  it('readTextNoFollow refuses a link and reads a regular file', async () => {
    const secret = join(base, 'shadow');
    writeFileSync(secret, 'root-only');
    chmodSync(secret, 0o600);
    symlinkSync(secret, join(mine, 'settings.json'));
    await expect(readTextNoFollow(join(mine, 'settings.json'))).rejects.toMatchObject({ code: 'ELOOP' });
    writeFileSync(join(mine, 'plain.json'), '{}');
    await expect(readTextNoFollow(join(mine, 'plain.json'))).resolves.toBe('{}');
  });
});
