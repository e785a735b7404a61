import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addKept, isKeptContainer, isKeptImage, keptPath, readKept } from '../../../../src/core/harden/kept.js';
import { scratchDirs } from '../../../helpers/scratch-dirs.js';

const root = scratchDirs('aco-harden-kept-');

describe('harden --keep-old record', () => {
  it('no record: nothing kept', async () => {
    expect(await readKept(keptPath(root()))).toEqual([]);
  });

  it('records containers by id and images by id or tag, appending, mode 0600', async () => {
    const path = keptPath(root());
    await addKept(path, { keptAt: '2026-12-04T17:00:00.000Z', container: { id: 'c1', name: 'falkordb-pre-harden-20261204_170000' } });
    await addKept(path, { keptAt: '2026-12-04T18:00:00.000Z', image: { id: 'sha256:i1', ref: 'autocodex-ops-pre-harden/f:20261204_180000' } });
    const kept = await readKept(path);
    expect(kept).toHaveLength(2);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(isKeptContainer(kept, 'c1')).toBe(true);
    expect(isKeptContainer(kept, 'c2')).toBe(false);
    expect(isKeptImage(kept, { id: 'sha256:other', ref: 'autocodex-ops-pre-harden/f:20261204_180000' })).toBe(true);
    expect(isKeptImage(kept, { id: 'sha256:i1', ref: 'retagged' })).toBe(true);
    expect(isKeptImage(kept, { id: 'sha256:i2', ref: 'autocodex-ops-pre-harden/f:20261204_190000' })).toBe(false);
  });

  it('a damaged record is refused (never read as empty, which would let --cleanup remove what was kept)', async () => {
    const r = root();
    mkdirSync(join(r, '.autocodex-ops'));
    for (const text of ['{"kept": [', '{}', '[]']) {
      writeFileSync(keptPath(r), text);
      await expect(readKept(keptPath(r))).rejects.toThrow(/is not a record of harden --keep-old runs/);
    }
  });
});
