import { describe, expect, it } from 'vitest';
import { asideFor, assertOutsideAside, AsideLeftoverError, manualMoveBackCommand, moveAside, moveBack, removeAside } from '../../../../src/core/restore/falkordb-aside.js';
import { FakeDocker } from '../../../helpers/fake-docker.js';

const IMAGE = { id: 'sha256:falkordb-test', repoTags: [], repoDigests: [] };
const world = (files: Record<string, string>) => new FakeDocker({ volumes: [{ name: 'vol', files }], images: [IMAGE] });
const target = { volume: 'vol', helperImages: [IMAGE.id] };

describe('falkordb-aside', () => {
  it('names the folder after the safety archive, encrypted or not', () => {
    expect(asideFor('vol', '/b/falkordb_pre_restore_20260102_030405.tar.gz')).toEqual({ volume: 'vol', folder: '.falkordb_pre_restore_20260102_030405', discard: '.autocodex-ops-discard-20260102_030405' });
    expect(asideFor('vol', '/b/falkordb_pre_restore_20260102_030405.tar.gz.age').folder).toBe('.falkordb_pre_restore_20260102_030405');
  });

  it('refuses archive entries inside its own folders (exit 2), accepts everything else', () => {
    const a = asideFor('vol', 'falkordb_pre_restore_20260102_030405.tar.gz');
    expect(() => assertOutsideAside(['./', './dump.rdb', './appendonlydir/x.aof', './.falkordb_pre_restore_20260102_030404/x'], a)).not.toThrow();
    expect(() => assertOutsideAside(['./.falkordb_pre_restore_20260102_030405/dump.rdb'], a)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => assertOutsideAside(['.autocodex-ops-discard-20260102_030405'], a)).toThrow(/restore's own folder/);
  });

  it('the manual command quotes every value and starts what ran', () => {
    const a = asideFor("my 'vol", 'falkordb_pre_restore_20260102_030405.tar.gz');
    const cmd = manualMoveBackCommand(a, 'img:1', ['falkordb', 'graphiti']);
    expect(cmd).toMatch(/^docker run --rm --network none --entrypoint sh -v 'my '\\''vol:\/data' 'img:1' -c 'cd \/data && \{ [\s\S]*' sh '\.falkordb_pre_restore_20260102_030405' '\.autocodex-ops-discard-20260102_030405' && docker start 'falkordb' 'graphiti'$/);
    expect(manualMoveBackCommand(a, 'img:1', [])).not.toContain('docker start');
  });

  it('moves aside, refuses over a leftover, moves back and removes (state of the fake engine)', async () => {
    const docker = world({ 'dump.rdb': 'old', '.hidden': 'h' });
    const a = asideFor('vol', 'falkordb_pre_restore_20260102_030405.tar.gz');
    await moveAside(docker, target, a);
    expect(docker.filesOf('vol')).toEqual({ '.falkordb_pre_restore_20260102_030405/dump.rdb': 'old', '.falkordb_pre_restore_20260102_030405/.hidden': 'h' });
    await expect(moveAside(docker, target, asideFor('vol', 'falkordb_pre_restore_20260102_030406.tar.gz'))).rejects.toBeInstanceOf(AsideLeftoverError);
    docker.volumes.get('vol')!.files.set('dump.rdb', Buffer.from('new'));
    await moveBack(docker, target, a);
    expect(docker.filesOf('vol')).toEqual({ 'dump.rdb': 'old', '.hidden': 'h' });
    await expect(moveBack(docker, target, a)).rejects.toThrow(/is missing from volume vol: there is nothing to move back/);
    await moveAside(docker, target, a);
    await removeAside(docker, target, a);
    expect(docker.filesOf('vol')).toEqual({});
    expect([...docker.containers.values()]).toEqual([]);
  });
});
