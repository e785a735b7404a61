import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUserdataDrill } from '../../../../src/core/drill/run-userdata-drill.js';
import { UsageError } from '../../../../src/core/errors.js';
import { makeArchive } from '../../../helpers/archives.js';

const dir = mkdtempSync(join(tmpdir(), 'aco-ud-drill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scratchLeft = () => readdirSync(tmpdir()).filter((n) => n.startsWith('autocodex-ops-drill-userdata-'));

describe('drill userdata', () => {
  it("parses the app's files and removes its temporary folder", async () => {
    const before = scratchLeft();
    const archive = await makeArchive(join(dir, 'good.tar.gz'), {
      'settings.json': JSON.stringify({ riskPolicy: { level: 'strict' } }),
      'store/projects.json': '[]',
      'config/codex-profiles.json': '{"profiles":[]}',
      'other/file.bin': 'x',
    });
    const result = await runUserdataDrill({ archive });
    expect(result).toMatchObject({ ok: true, problems: [], entries: expect.any(Number) });
    expect(result.files.map((f) => f.path)).toEqual(['settings.json', 'store/projects.json', 'config/codex-profiles.json']);
    expect(result.warnings.join(' ')).toMatch(/keychain/);
    expect(scratchLeft()).toEqual(before);
  });

  it('a file that does not parse, or a riskPolicy that is not an object, fails and names it', async () => {
    const archive = await makeArchive(join(dir, 'bad.tar.gz'), { 'settings.json': '{"riskPolicy": 3}', 'store/projects.json': '[{"cut' });
    const result = await runUserdataDrill({ archive });
    expect(result.ok).toBe(false);
    expect(result.problems.join(' ')).toContain('settings.json has a riskPolicy that is not an object');
    expect(result.problems.join(' ')).toContain('store/projects.json does not parse as JSON');
  });

  it("an archive with none of the app's files fails; a cut archive is a UsageError and leaves nothing", async () => {
    expect((await runUserdataDrill({ archive: await makeArchive(join(dir, 'none.tar.gz'), { 'a.txt': 'x' }) })).problems.join(' ')).toContain("none of the app's files");
    const before = scratchLeft();
    const { readFileSync, writeFileSync } = await import('node:fs');
    const cut = join(dir, 'cut.tar.gz');
    writeFileSync(cut, readFileSync(join(dir, 'good.tar.gz')).subarray(0, 60));
    await expect(runUserdataDrill({ archive: cut })).rejects.toBeInstanceOf(UsageError);
    expect(scratchLeft()).toEqual(before);
  });
});
