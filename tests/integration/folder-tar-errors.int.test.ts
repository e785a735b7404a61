import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { folderTar, readError } from '../../src/core/archive/folder-tar.js';

// Issue 23 §5 on the real file system, no Docker: an entry the in-process reader cannot open fails
// the stream with an error naming it, even when it happens before anyone listens (the consumer
// attaches its listeners only after a few awaits); an unhandled 'error' would fail this file.
const dir = mkdtempSync(join(tmpdir(), 'aco-foldertar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

describe('folderTar read errors', () => {
  it('an error before the consumer listens is kept, not thrown: the later pipeline rejects naming the entry', async () => {
    const src = join(dir, 'nonutf8');
    mkdirSync(join(src, 'store'), { recursive: true });
    writeFileSync(join(src, 'settings.json'), '{}');
    writeFileSync(Buffer.concat([Buffer.from(`${join(src, 'store')}/bad`), Buffer.from([0xff]), Buffer.from('name')]), 'x');
    const stream = await folderTar(src);
    // Long enough for the reader to meet the entry with nobody listening.
    await sleep(300);
    await expect(pipeline(stream, sink())).rejects.toThrow(/store\/bad\uFFFDname: its name is not valid UTF-8/);
  });
});

describe('readError', () => {
  it('says what each failure means and names the entry', () => {
    const err = (code: string, path: string) => Object.assign(new Error(`${code}: x, open '${path}'`), { code, path });
    expect(readError('/u', err('EACCES', '/u/store/x')).message).toBe('Cannot read /u/store/x (permission denied); the backup of /u was not written.');
    expect(readError('/u', err('ENOENT', '/u/store/gone')).message).toBe('/u/store/gone vanished while it was read; the backup of /u was not written.');
    expect(readError('/u', err('ENOENT', '/u/a\uFFFDb')).message).toContain('its name is not valid UTF-8');
    expect(readError('/u', err('EIO', '/u/disk')).exitCode).toBe(1);
  });
});
