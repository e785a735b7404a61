import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvEdit, planEnvEdits, undoEnvEdit, type DoneEdit } from '../../../../src/core/harden/env-edits.js';
import { scratchDirs } from '../../../helpers/scratch-dirs.js';

const root = scratchDirs('aco-harden-env-');

describe('harden .env edits', () => {
  it('plans the root .env and auto-codex/.env, skips a file that already has the password', async () => {
    const r = root();
    expect(await planEnvEdits(r, 'pw')).toEqual([{ path: `${r}/.env`, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: true }]);
    mkdirSync(join(r, 'auto-codex'));
    writeFileSync(join(r, 'auto-codex', '.env'), 'GRAPHITI_FALKORDB_PASSWORD=pw\n');
    writeFileSync(join(r, '.env'), 'GRAPHITI_FALKORDB_PASSWORD=old\n');
    expect(await planEnvEdits(r, 'pw')).toEqual([{ path: `${r}/.env`, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: false }]);
  });

  it('keeps every other byte, writes a .bak, journals before writing, and the undo puts the bytes back', async () => {
    const r = root();
    const before = Buffer.from('# c\r\nexport GRAPHITI_FALKORDB_PASSWORD="old" # note\r\nX=1', 'latin1');
    writeFileSync(join(r, '.env'), before);
    const journaled: DoneEdit[] = [];
    const done = await applyEnvEdit({ path: `${r}/.env`, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: false }, { GRAPHITI_FALKORDB_PASSWORD: 'n3w' }, async (d) => {
      journaled.push(d);
      expect(readFileSync(join(r, '.env'))).toEqual(before); // recorded before anything changes
    });
    expect(journaled).toEqual([done]);
    expect(readFileSync(join(r, '.env'), 'latin1')).toBe('# c\r\nexport GRAPHITI_FALKORDB_PASSWORD="n3w" # note\r\nX=1');
    expect(readFileSync(join(r, '.env.bak'))).toEqual(before);
    await undoEnvEdit(done);
    expect(readFileSync(join(r, '.env'))).toEqual(before);
  });

  it('a file it created is removed by the undo', async () => {
    const r = root();
    const done = await applyEnvEdit({ path: `${r}/.env`, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: true }, { GRAPHITI_FALKORDB_PASSWORD: 'pw' }, async () => undefined);
    expect(readFileSync(join(r, '.env'), 'utf8')).toBe('GRAPHITI_FALKORDB_PASSWORD=pw\n');
    await undoEnvEdit(done);
    expect(existsSync(join(r, '.env'))).toBe(false);
  });

  it('refuses a symlinked .env and a password it cannot write as a plain value, changing nothing', async () => {
    const r = root();
    writeFileSync(join(r, 'elsewhere'), 'A=1\n');
    symlinkSync(join(r, 'elsewhere'), join(r, '.env'));
    await expect(applyEnvEdit({ path: `${r}/.env`, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: false }, { GRAPHITI_FALKORDB_PASSWORD: 'pw' }, async () => undefined)).rejects.toThrow(/symbolic link/);
    expect(readFileSync(join(r, 'elsewhere'), 'utf8')).toBe('A=1\n');
    const r2 = root();
    writeFileSync(join(r2, '.env'), 'A=1\n');
    await expect(applyEnvEdit({ path: `${r2}/.env`, keys: ['GRAPHITI_FALKORDB_PASSWORD'], creates: false }, { GRAPHITI_FALKORDB_PASSWORD: 'a#b' }, async () => undefined)).rejects.toThrow(/cannot be written/);
    expect(readFileSync(join(r2, '.env'), 'utf8')).toBe('A=1\n');
    expect(existsSync(join(r2, '.env.bak'))).toBe(false);
  });
});
