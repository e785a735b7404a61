import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerApi, type DockerApi } from '../../src/core/docker/docker.js';
import { HELPER_LABEL } from '../../src/core/docker/helper-container.js';
import { exportVolume } from '../../src/core/docker/volume-stream.js';
import { AsideLeftoverError, asideFor, manualMoveBackCommand, moveAside, moveBack, removeAside, undoMoveAside } from '../../src/core/restore/falkordb-aside.js';
import { DockerTestEnv, dockerInputs, ensureStandinImages, FALKORDB_STANDIN, tarEntries, type TreeEntry } from '../helpers/docker.js';

// The restore's moves inside the volume (issue 16) on the real engine with busybox's sh and mv:
// every crash point leaves the old data complete in one named place, and the manual way back the
// error and the README give really puts it back, byte for byte (dotfiles, `..x`, links, folders).

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('restore: moving the data aside inside the volume', () => {
  const env = new DockerTestEnv();
  let api: DockerApi;
  const tree: Record<string, TreeEntry> = {
    'dump.rdb': randomBytes(256 * 1024),
    '.hidden': 'dotfile\n',
    '..weird': 'two dots\n',
    'appendonlydir/appendonly.aof.1.base.rdb': 'base',
    'appendonlydir/appendonly.aof.manifest': 'file appendonly.aof.1.base.rdb seq 1 type b\n',
    'name with spaces.txt': 'spaces\n',
    'empty-dir': null,
    'link-to-dump': { link: 'dump.rdb' },
  };
  const aside = (volume: string) => asideFor(volume, '/backups/falkordb_pre_restore_20260102_030405.tar.gz');
  const target = (volume: string) => ({ volume, helperImages: [FALKORDB_STANDIN], labels: env.label });
  /** The digest of the volume's top, or of one folder of it, as `./`-relative lines. */
  const inside = (lines: string[], folder: string) => lines.filter((l) => l.includes(` ./${folder}/`)).map((l) => l.replace(` ./${folder}/`, ' ./'));

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    api = await createDockerApi({ inputs: dockerInputs({}) });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('moveAside leaves only its folder at the top, holding every entry; moveBack discards the new data and puts the old back exactly', async () => {
    const volume = await env.createVolume('aside');
    await env.fillVolume(volume, tree);
    const before = await env.digest(volume);
    const a = aside(volume);
    await moveAside(api, target(volume), a);
    const moved = await env.digest(volume);
    expect(moved.filter((l) => !l.includes(`./${a.folder}/`))).toEqual([`D ./${a.folder}`]);
    expect(inside(moved, a.folder)).toEqual(before);
    // What the safety copy is written from: the folder, read as if it were the volume.
    const copy = await exportVolume(api, { ...target(volume), subfolder: a.folder });
    const entries = await tarEntries(copy);
    await copy.helperRemoved();
    expect([...entries.keys()].filter((p) => p !== './').sort()).toEqual(expect.arrayContaining(['./dump.rdb', './.hidden', './..weird', './link-to-dump']));
    expect([...entries.keys()].some((p) => p.includes(a.folder))).toBe(false);
    // A half-extracted archive at the top, then the way back.
    await env.fillVolume(volume, { 'dump.rdb': 'new', '.newdot': 'x', 'appendonlydir/new.aof': 'n' });
    await moveBack(api, target(volume), a);
    expect(await env.digest(volume)).toEqual(before);
    expect(await env.containersLabelled(HELPER_LABEL)).toEqual([]);
  });

  it('the manual way back in the error hint (a crash after the extraction started) restores the old data byte for byte', async () => {
    const volume = await env.createVolume('manual');
    await env.fillVolume(volume, tree);
    const before = await env.digest(volume);
    const a = aside(volume);
    await moveAside(api, target(volume), a);
    await env.fillVolume(volume, { 'dump.rdb': 'half', 'appendonlydir/x.aof': 'partial' });
    const command = manualMoveBackCommand(a, FALKORDB_STANDIN, []);
    execFileSync('sh', ['-c', command.replace('docker run --rm', `docker run --rm --label ${Object.entries(env.label).map(([k, v]) => `${k}=${v}`).join(' --label ')}`)], { stdio: 'pipe' });
    expect(await env.digest(volume)).toEqual(before);
  });

  it('a folder of an earlier restore blocks the move (nothing changes); undoMoveAside and removeAside do what they say', async () => {
    const volume = await env.createVolume('leftover');
    await env.fillVolume(volume, tree);
    const a = aside(volume);
    await moveAside(api, target(volume), a);
    const withLeftover = await env.digest(volume);
    const later = asideFor(volume, '/b/falkordb_pre_restore_20260203_040506.tar.gz');
    await expect(moveAside(api, target(volume), later)).rejects.toBeInstanceOf(AsideLeftoverError);
    expect(await env.digest(volume)).toEqual(withLeftover);
    // A move that stopped part way is put back by undoMoveAside (here: all of it had moved).
    await undoMoveAside(api, target(volume), a);
    const back = await env.digest(volume);
    expect(back.some((l) => l.includes(a.folder))).toBe(false);
    await moveAside(api, target(volume), later);
    await removeAside(api, target(volume), later);
    expect(await env.digest(volume)).toEqual([]);
  });
});
