import { chmodSync, chownSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceJournal, clearJournal, describeInterrupted, finishCommands, journalPath, legacyJournalPath, listJournals, readJournal, writeJournal, type JournalPlace, type RestoreJournal } from '../../../../src/core/backup-store/restore-journal.js';

const journal = (volume = 'auto-codex_falkordb_data'): RestoreJournal => ({
  version: 1,
  command: 'restore falkordb',
  volume,
  archive: { path: '/b/falkordb_data_20250101_000000.tar.gz', sha256: 'a'.repeat(64) },
  safetyCopy: { path: '/b/falkordb_pre_restore_20250102_000000.tar.gz', sha256: 'b'.repeat(64) },
  helperImage: 'sha256:img',
  wereRunning: ['auto-codex-falkordb'],
  toStart: ['auto-codex-falkordb'],
  step: 'wiping',
  startedAt: '2025-01-02T00:00:00.000Z',
  updatedAt: '2025-01-02T00:00:00.000Z',
  host: 'h',
  pid: 1,
});

/** A state folder of its own (no earlier-version folder unless `legacyDir`). */
const placeIn = (dir: string, over: Partial<JournalPlace> = {}): JournalPlace => ({ dir, engine: 'local', ...over });

describe('restore journal', () => {
  it('writes atomically (no temporary file left), advances, lists and clears', async () => {
    const dir = placeIn(mkdtempSync(join(tmpdir(), 'aco-journal-')));
    const path = await writeJournal(dir, journal());
    expect(path).toBe(journalPath(dir, 'auto-codex_falkordb_data'));
    const next = await advanceJournal(dir, journal(), 'starting', new Date('2025-01-02T00:01:00Z'));
    expect(readdirSync(dir.dir)).toEqual([expect.stringMatching(/^restore-falkordb-auto-codex_falkordb_data-[0-9a-f]{12}\.journal\.json$/)]);
    expect(await readJournal(dir, 'auto-codex_falkordb_data')).toEqual({ path, journal: next });
    expect(next).toMatchObject({ step: 'starting', updatedAt: '2025-01-02T00:01:00.000Z' });
    await writeJournal(dir, journal('other'));
    expect((await listJournals(dir)).map((f) => ('journal' in f ? f.journal.volume : f.problem))).toEqual(['auto-codex_falkordb_data', 'other']);
    await clearJournal(dir, 'auto-codex_falkordb_data');
    expect(await readJournal(dir, 'auto-codex_falkordb_data')).toBeUndefined();
    expect(await listJournals(placeIn(join(dir.dir, 'missing')))).toEqual([]);
  });

  it('is named for the engine and the volume, never for the run\'s root: another engine\'s volume of the same name has its own', () => {
    const here = placeIn('/s');
    expect(journalPath(here, 'v')).toBe(journalPath(placeIn('/s', { legacyDir: '/other-root/backups' }), 'v'));
    expect(journalPath(here, 'v')).not.toBe(journalPath(placeIn('/s', { engine: 'tcp://10.0.0.2:2376' }), 'v'));
    expect(journalPath(here, '../../etc/v')).toMatch(/^\/s\/restore-falkordb-etc_v-[0-9a-f]{12}\.journal\.json$/);
  });

  it('a journal an earlier version wrote beside the safety copies is still found and listed, moves to the state folder on its next step and is cleared at both', async () => {
    const legacyDir = mkdtempSync(join(tmpdir(), 'aco-journal-legacy-'));
    const place = placeIn(mkdtempSync(join(tmpdir(), 'aco-journal-state-')), { legacyDir });
    writeFileSync(legacyJournalPath(legacyDir, 'auto-codex_falkordb_data'), JSON.stringify(journal()));
    expect(await readJournal(place, 'auto-codex_falkordb_data')).toEqual({ path: legacyJournalPath(legacyDir, 'auto-codex_falkordb_data'), journal: journal() });
    expect((await listJournals(place)).map((f) => f.path)).toEqual([legacyJournalPath(legacyDir, 'auto-codex_falkordb_data')]);
    await advanceJournal(place, journal(), 'extracting', new Date());
    expect(readdirSync(legacyDir)).toEqual([]);
    expect(await readJournal(place, 'auto-codex_falkordb_data')).toMatchObject({ path: journalPath(place, 'auto-codex_falkordb_data'), journal: { step: 'extracting' } });
    writeFileSync(legacyJournalPath(legacyDir, 'auto-codex_falkordb_data'), JSON.stringify(journal()));
    await clearJournal(place, 'auto-codex_falkordb_data');
    expect([...readdirSync(legacyDir), ...readdirSync(place.dir)]).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)('as root, a journal of another user counts only when that user can use the engine (a forged one is ignored)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'aco-journal-'));
    const socket = join(base, 'docker.sock');
    writeFileSync(socket, '');
    chmodSync(socket, 0o660);
    const place = placeIn(join(base, 'state'), { engine: `unix://${socket}` });
    await writeJournal(place, journal('v'));
    chownSync(journalPath(place, 'v'), 65534, 65534);
    expect(await readJournal(place, 'v')).toBeUndefined();
    expect(await listJournals(place)).toEqual([]);
    // The same user owning the engine's socket could have run the restore: the journal counts.
    chownSync(socket, 65534, 0);
    expect(await readJournal(place, 'v')).toMatchObject({ journal: { volume: 'v' } });
    expect(await listJournals(place)).toHaveLength(1);
  });

  it('a damaged journal or a link at its name still marks the volume, as a problem, and is never followed', async () => {
    const dir = placeIn(mkdtempSync(join(tmpdir(), 'aco-journal-')));
    writeFileSync(journalPath(dir, 'v1'), '{"version":1,"volu');
    symlinkSync('/etc/passwd', journalPath(dir, 'v2'));
    const found = await listJournals(dir);
    expect(found).toHaveLength(2);
    expect(found.every((f) => 'problem' in f)).toBe(true);
    const v2 = await readJournal(dir, 'v2');
    expect(v2 && 'problem' in v2 && v2.problem).toMatch(/ELOOP|symbolic link/);
    expect(finishCommands(found[0]!)).toContain('cannot be read');
  });

  it('a missing folder (and its parents) is created private: the journal comes before any safety copy', async () => {
    const dir = placeIn(join(mkdtempSync(join(tmpdir(), 'aco-journal-')), 'a', 'b'));
    await writeJournal(dir, journal());
    expect(statSync(dir.dir).mode & 0o777).toBe(0o700);
    expect(await readJournal(dir, journal().volume)).toMatchObject({ journal: journal() });
  });

  it('an unwritable folder is an OpsError saying nothing was wiped', async () => {
    await expect(writeJournal(placeIn('/proc/definitely-not-writable'), journal())).rejects.toThrow(/Cannot write the restore journal .*/);
    await expect(writeJournal(placeIn('/proc/definitely-not-writable'), journal())).rejects.toMatchObject({ hint: expect.stringContaining('Nothing was moved or wiped') });
  });

  it('a move-aside journal (issue 16) round-trips and says where the previous data is at each step, and which command applies', async () => {
    const dir = placeIn(mkdtempSync(join(tmpdir(), 'aco-journal-')));
    const aside: RestoreJournal = { ...journal(), safetyCopy: { path: '/b/falkordb_pre_restore_20250102_000000.tar.gz', sha256: '' }, aside: { folder: '.falkordb_pre_restore_20250102_000000', discard: '.autocodex-ops-discard-20250102_000000' }, step: 'moving-aside' };
    await writeJournal(dir, aside);
    const found = await readJournal(dir, aside.volume);
    expect(found).toEqual({ path: journalPath(dir, aside.volume), journal: aside });
    const at = (step: RestoreJournal['step']) => ({ path: 'p', journal: { ...aside, step } });
    expect(describeInterrupted(at('moving-aside'))).toContain('the previous data is complete, at the top of the volume or in its folder .falkordb_pre_restore_20250102_000000');
    expect(describeInterrupted(at('extracting'))).toContain('may hold half a restore; the previous data is complete in its folder .falkordb_pre_restore_20250102_000000 (its archive /b/falkordb_pre_restore_20250102_000000.tar.gz is not written yet)');
    expect(describeInterrupted(at('writing-safety-archive'))).toContain('the restored data was verified; the previous data is complete in the volume\'s folder');
    expect(finishCommands(at('extracting'))).toMatch(/--resume` \(restores \/b\/falkordb_data_20250101_000000\.tar\.gz again beside the previous data\), or .*--undo` \(moves it from \.falkordb_pre_restore_20250102_000000 back .*no archive needed\)/);
    expect(finishCommands(at('writing-safety-archive'))).toContain('writes the archive /b/falkordb_pre_restore_20250102_000000.tar.gz of the previous data and removes .falkordb_pre_restore_20250102_000000');
    expect(finishCommands(at('rolling-back'))).toMatch(/^undo it with `autocodex-ops restore falkordb --undo`/);
    // A malformed aside field is not a journal this version understands (it still marks the volume).
    writeFileSync(journalPath(dir, 'v2'), JSON.stringify({ ...aside, volume: 'v2', aside: { folder: 3 } }));
    expect(await readJournal(dir, 'v2')).toMatchObject({ problem: expect.stringContaining('not a restore journal') });
  });
});
