import { describe, expect, it } from 'vitest';
import { archiveKey, kindPrefix, parseRemoteArchiveName } from '../../../../src/core/offsite/remote-keys.js';

describe('remote layout <prefix>/<kind>/<name>', () => {
  const loc = { bucket: 'b', prefix: 'team' };
  it('maps every archive name the tool writes, plain or age-encrypted', () => {
    expect(archiveKey(loc, '/x/falkordb_data_20260101_010203.tar.gz')).toBe('team/falkordb/falkordb_data_20260101_010203.tar.gz');
    expect(archiveKey(loc, 'userdata_20260101_010203.tar.gz.age')).toBe('team/userdata/userdata_20260101_010203.tar.gz.age');
    expect(archiveKey(loc, 'falkordb_pre_restore_20260101_010203.tar.gz')).toBe('team/falkordb-pre-restore/falkordb_pre_restore_20260101_010203.tar.gz');
    expect(archiveKey(loc, 'project_my-app_20260101_010203.tar.gz')).toBe('team/project-my-app/project_my-app_20260101_010203.tar.gz');
    expect(parseRemoteArchiveName('userdata_20260101_010203.tar.gz.age')).toMatchObject({ kind: 'userdata', encrypted: true });
  });
  it('refuses other names', () => {
    expect(archiveKey(loc, 'notes.txt')).toBeUndefined();
    expect(archiveKey(loc, 'userdata_20260101_010203.tar.gz.sha256')).toBeUndefined();
    expect(parseRemoteArchiveName('userdata_20261399_010203.tar.gz')).toBeUndefined();
  });
  it('lists the whole location or one kind', () => {
    expect(kindPrefix(loc)).toBe('team/');
    expect(kindPrefix({ bucket: 'b', prefix: '' })).toBe('');
    expect(kindPrefix(loc, 'userdata')).toBe('team/userdata/');
  });
});

describe('latestPerKind with project archives', () => {
  it('picks the newest of each kind and of each project, never a safety copy', async () => {
    const { latestPerKind } = await import('../../../../src/core/offsite/push.js');
    const at = (d: string) => new Date(`2026-01-0${d}T00:00:00Z`);
    expect(
      latestPerKind([
        { archive: 'a1', kind: 'project', label: 'a', createdAt: at('1') },
        { archive: 'a2', kind: 'project', label: 'a', createdAt: at('2') },
        { archive: 'b1', kind: 'project', label: 'b', createdAt: at('1') },
        { archive: 'u1', kind: 'userdata', createdAt: at('3') },
        { archive: 'p1', kind: 'project-pre-restore', label: 'a', createdAt: at('4') },
      ]).sort(),
    ).toEqual(['a2', 'b1', 'u1']);
  });
});
