import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../../../src/core/archive/read-archive.js';
import { pathComponents, resolveLinkTarget, unsafeEntries } from '../../../../src/core/backup-store/entry-rules.js';

const file = (path: string): ArchiveEntry => ({ path, type: 'File', size: 1 });
const dir = (path: string): ArchiveEntry => ({ path, type: 'Directory', size: 0 });
const sym = (path: string, linkpath: string): ArchiveEntry => ({ path, type: 'SymbolicLink', size: 0, linkpath });
const hard = (path: string, linkpath: string): ArchiveEntry => ({ path, type: 'Link', size: 0, linkpath });

describe('pathComponents', () => {
  it.each([
    ['./dump.rdb', ['dump.rdb']],
    ['appendonlydir/appendonly.aof.1.base.rdb', ['appendonlydir', 'appendonly.aof.1.base.rdb']],
    ['./', []],
    ['./a//b/./c', ['a', 'b', 'c']],
    ['.hidden', ['.hidden']],
    ['..x', ['..x']],
  ])('%s is safe', (raw, parts) => expect(pathComponents(raw)).toEqual({ parts }));

  it.each([
    ['/etc/passwd', 'absolute path'],
    ['\\windows', 'absolute path'],
    ['C:/x', 'drive-letter path'],
    ['../x', 'contains ".."'],
    ['./a/../../x', 'contains ".."'],
    ['a\\..\\x', 'contains ".."'],
  ])('%s is refused (%s)', (raw, unsafe) => expect(pathComponents(raw)).toEqual({ unsafe }));
});

describe('resolveLinkTarget', () => {
  const none = new Set<string>();
  it('resolves relative targets from the link folder', () => {
    expect(resolveLinkTarget(['a', 'l'], 'b', none)).toEqual({ parts: ['a', 'b'] });
    expect(resolveLinkTarget(['a', 'l'], '../c', none)).toEqual({ parts: ['c'] });
    expect(resolveLinkTarget(['l'], '.', none)).toEqual({ parts: [] });
  });
  it('refuses targets outside the root, absolute targets and chains through symlinks', () => {
    expect(resolveLinkTarget(['l'], '../x', none)).toEqual({ unsafe: 'points outside the target (../x)' });
    expect(resolveLinkTarget(['a', 'l'], '../../x', none)).toMatchObject({ unsafe: expect.stringContaining('outside') });
    expect(resolveLinkTarget(['l'], '/etc', none)).toEqual({ unsafe: 'points to the absolute path /etc' });
    expect(resolveLinkTarget(['l'], '', none)).toEqual({ unsafe: 'empty link target' });
    // a -> . then b -> a/.. : lexically inside, physically the parent of the root.
    expect(resolveLinkTarget(['b'], 'a/..', new Set(['a']))).toEqual({ unsafe: 'points through another symlink (a)' });
  });
});

describe('unsafeEntries', () => {
  it('accepts a plain FalkorDB tree with a relative symlink inside', () => {
    expect(unsafeEntries([dir('./'), file('./dump.rdb'), dir('./appendonlydir/'), file('./appendonlydir/a.aof'), sym('./latest', 'appendonlydir/a.aof'), hard('./copy', './dump.rdb')])).toEqual([]);
  });

  it('names every unsafe entry, one sentence each', () => {
    const problems = unsafeEntries([
      dir('./'),
      file('../evil'),
      file('/etc/cron.d/x'),
      sym('./out', '/etc'),
      sym('./up', '../../x'),
      file('./out/passwd'),
      hard('./h', '../../etc/shadow'),
      hard('./h2', './missing'),
      { path: './null', type: 'CharacterDevice', size: 0 },
      { path: './disk', type: 'BlockDevice', size: 0 },
      { path: './pipe', type: 'FIFO', size: 0 },
    ]);
    expect(problems).toEqual([
      '"../evil": contains ".."',
      '"/etc/cron.d/x": absolute path',
      '"./out": symlink points to the absolute path /etc',
      '"./up": symlink points outside the target (../../x)',
      '"./out/passwd": lies below the symlink out, so extracting it would write through that link',
      '"./h": hard link to "../../etc/shadow" (contains "..")',
      '"./h2": hard link to "./missing", which is not a regular file earlier in the archive',
      '"./null": device file (CharacterDevice) is not allowed in a restore',
      '"./disk": device file (BlockDevice) is not allowed in a restore',
      '"./pipe": named pipe (FIFO) is not allowed in a restore',
    ]);
  });

  it('refuses a file entry that names the root, and a hard link to a symlink', () => {
    expect(unsafeEntries([file('./')])).toEqual(['"./": names the target folder itself but is not a folder']);
    expect(unsafeEntries([sym('./l', 'x'), file('./x'), hard('./h', './l')])).toEqual(['"./h": hard link to "./l", which is not a regular file earlier in the archive']);
  });

  it('leaves skipped entries out entirely (userData runtime locks point at /tmp)', () => {
    expect(unsafeEntries([dir('./'), sym('./SingletonSocket', '/tmp/.org.chromium.x/SingletonSocket'), file('./settings.json')], { skip: new Set(['./SingletonSocket']) })).toEqual([]);
  });
});
