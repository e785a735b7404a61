import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { fileSystemError } from '../../../../src/core/fs/write-file-atomic.js';
import { looksLikeFalkorData } from '../../../../src/core/archive/read-archive.js';
import { writeArchive } from '../../../../src/core/archive/write-archive.js';
import { InterruptedError, OpsError } from '../../../../src/core/errors.js';

function tree(files: Record<string, string | Buffer>): string {
  const src = mkdtempSync(join(tmpdir(), 'aco-wa-src-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), content);
  }
  return src;
}

const tarOf = (src: string) => Readable.from(tar.c({ cwd: src }, ['.']) as unknown as AsyncIterable<Buffer>);

/** A tar-ish stream that yields `chunks` blocks, then waits for `hold` (or fails with `error`). */
function slowSource(chunks: number, opts: { error?: Error; hold?: Promise<void> } = {}): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < chunks; i += 1) yield randomBytes(64 * 1024);
      await opts.hold;
      if (opts.error) throw opts.error;
    })(),
  );
}

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'aco-wa-')), 'backups');

describe('writeArchive', () => {
  it('destroys the source when its folder cannot be made, so that whatever feeds it ends', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'aco-wa-'));
    writeFileSync(join(parent, 'not-a-folder'), 'x');
    const source = slowSource(1, { hold: new Promise(() => undefined) });
    await expect(writeArchive({ path: join(parent, 'not-a-folder', 'sub', 'a.tar.gz'), source })).rejects.toThrow();
    expect(source.destroyed).toBe(true);
  });

  it('destroys the source when aborted before it starts', async () => {
    const source = slowSource(1);
    const controller = new AbortController();
    controller.abort();
    await expect(writeArchive({ path: join(freshDir(), 'a.tar.gz'), source, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(source.destroyed).toBe(true);
  });

  it('publishes a verified 0600 archive and its sidecars in a 0700 folder, with no temporary left', async () => {
    const src = tree({ 'dump.rdb': randomBytes(300_000), 'appendonlydir/appendonly.aof.1.incr.aof': 'SET a b\r\n'.repeat(50_000), '.hidden': 'x' });
    const dir = freshDir();
    const path = join(dir, 'falkordb_data_20260101_000000.tar.gz');
    const seen: number[] = [];
    const written = await writeArchive({
      path,
      source: tarOf(src),
      gzip: { blockSize: 64 * 1024, probeBytes: 8 * 1024 },
      onProgress: (n) => seen.push(n),
      inspect: (listing) => {
        if (!looksLikeFalkorData(listing.entries)) throw new OpsError('no data');
      },
      sidecars: (w) => ({ '.sha256': `${w.sha256}  falkordb_data_20260101_000000.tar.gz\n`, '.manifest.json': JSON.stringify({ sha256: w.sha256 }) }),
    });
    expect(readdirSync(dir).sort()).toEqual([
      'falkordb_data_20260101_000000.tar.gz',
      'falkordb_data_20260101_000000.tar.gz.manifest.json',
      'falkordb_data_20260101_000000.tar.gz.sha256',
    ]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(written.bytes).toBe(statSync(path).size);
    expect(written.listing.entries.map((e) => e.path).sort()).toEqual(['./', './.hidden', './appendonlydir/', './appendonlydir/appendonly.aof.1.incr.aof', './dump.rdb']);
    expect(written.tarBytes).toBe(seen.at(-1));
    await execa('sha256sum', ['-c', `${path}.sha256`], { cwd: dir });
    expect((await execa('busybox', ['tar', '-tzf', path])).stdout).toContain('./dump.rdb');
    expect(JSON.parse(readFileSync(`${path}.manifest.json`, 'utf8'))).toEqual({ sha256: written.sha256 });
  });

  it('leaves no file and no temporary when aborted mid-way', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const run = writeArchive({ path: join(dir, 'userdata_20260101_000000.tar.gz'), source: slowSource(40, { hold }), signal: controller.signal, onProgress: (n) => n > 1024 * 1024 && controller.abort() });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the partial file when the source fails, and passes its error on', async () => {
    const dir = freshDir();
    const boom = new OpsError('Reading volume x failed: engine went away');
    await expect(writeArchive({ path: join(dir, 'a.tar.gz'), source: slowSource(20, { error: boom }) })).rejects.toBe(boom);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses content that inspect rejects and publishes nothing', async () => {
    const dir = freshDir();
    const src = tree({ 'data': 'symlink target only' });
    await expect(
      writeArchive({ path: join(dir, 'a.tar.gz'), source: tarOf(src), inspect: () => { throw new OpsError('no dump.rdb'); }, sidecars: () => ({ '.sha256': 'x' }) }),
    ).rejects.toThrow('no dump.rdb');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects data that is not a tar stream after reading it back', async () => {
    const dir = freshDir();
    await expect(writeArchive({ path: join(dir, 'a.tar.gz'), source: Readable.from([Buffer.from('not a tar at all'.repeat(100))]) })).rejects.toThrow(/does not read back/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never overwrites: an existing sidecar stops the publish and the earlier sidecars are removed', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'a.tar.gz');
    writeFileSync(`${path}.manifest.json`, 'someone else');
    const src = tree({ 'f': 'x' });
    await expect(writeArchive({ path, source: tarOf(src), sidecars: () => ({ '.sha256': 'h  a.tar.gz\n', '.manifest.json': '{}' }) })).rejects.toThrow(/already exists/);
    expect(readdirSync(dir)).toEqual(['a.tar.gz.manifest.json']);
    expect(readFileSync(`${path}.manifest.json`, 'utf8')).toBe('someone else');
    writeFileSync(path, 'old archive');
    await expect(writeArchive({ path, source: tarOf(src) })).rejects.toThrow(/already exists/);
    expect(readFileSync(path, 'utf8')).toBe('old archive');
    expect(readdirSync(dir).sort()).toEqual(['a.tar.gz', 'a.tar.gz.manifest.json']);
  });
});

describe('fileSystemError', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('words a full disk, a permission problem and a read-only file system; passes others on', () => {
    expect((fileSystemError(err('ENOSPC'), 'writing', '/b/a.tar.gz') as OpsError).message).toBe('No space left on the device while writing /b/a.tar.gz; the partial file was removed.');
    expect((fileSystemError(err('EDQUOT'), 'writing', '/b/a') as OpsError).hint).toMatch(/df -h \/b/);
    expect((fileSystemError(err('EACCES'), 'writing', '/b/a') as OpsError).message).toMatch(/Permission denied/);
    expect((fileSystemError(err('EROFS'), 'writing', '/b/a') as OpsError).message).toMatch(/read-only/);
    const other = err('EIO');
    expect(fileSystemError(other, 'writing', '/b/a')).toBe(other);
  });
});
