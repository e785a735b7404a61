import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDownloadLeftovers } from '../../../../src/core/backup-store/download-leftovers.js';

describe('removeDownloadLeftovers', () => {
  it("removes the download folders of dead runs only: not a live run's, not one a journal names, not a link or a look-alike", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-dl-'));
    const outside = mkdtempSync(join(tmpdir(), 'aco-dl-outside-'));
    writeFileSync(join(outside, 'precious'), 'x');
    const folder = (name: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'falkordb_data_20260101_000000.tar.gz'), 'partial');
      return join(dir, name);
    };
    const dead = folder('.offsite-restore-4001-aa11');
    folder('.offsite-restore-4002-bb22'); // alive
    const named = folder('.offsite-restore-4003-cc33'); // a journal's --resume needs it
    folder('.offsite-restore-notapid-dd44');
    folder('offsite-restore-4004-ee55');
    symlinkSync(outside, join(dir, '.offsite-restore-4005-ff66'));
    const removed = await removeDownloadLeftovers(dir, { keep: [join(named, 'falkordb_data_20260101_000000.tar.gz')], isAlive: (pid) => pid === 4002 });
    expect(removed).toEqual([dead]);
    expect(readdirSync(dir).sort()).toEqual(['.offsite-restore-4002-bb22', '.offsite-restore-4003-cc33', '.offsite-restore-4005-ff66', '.offsite-restore-notapid-dd44', 'offsite-restore-4004-ee55']);
    expect(existsSync(join(outside, 'precious'))).toBe(true);
  });

  it('a backup folder that does not exist yet: nothing to remove', async () => {
    expect(await removeDownloadLeftovers(join(tmpdir(), 'aco-dl-missing-', String(process.pid)), { keep: [] })).toEqual([]);
  });
});
