import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProgram } from '../helpers/run-program.js';

// Issue 14 §1 for `rollback source`: as root on a userData folder `nobody` owns, every file step
// runs as nobody, the journal is never read through a link, and its paths must stay inside.
const NOBODY = 65534;

describe('rollback source as root on a folder another user owns', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-rbroot-'));
  const root = join(base, 'root');
  const env = { AUTOCODEX_OPS_AUDIT_LOG: join(base, 'audit.jsonl') };
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  chmodSync(base, 0o755);
  mkdirSync(root);

  function userdata(name: string): string {
    const ud = join(base, name);
    const files: Record<string, string> = {
      'auto-codex-source/.update-metadata.json': '{"version":"1.5.0","updatedAt":"2025-05-20T10:00:00Z"}',
      'auto-codex-source/.env': 'A=1\n',
      'auto-codex-updates/backup/.update-metadata.json': '{"version":"1.4.0","updatedAt":"2025-04-01T10:00:00Z"}',
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(ud, rel)), { recursive: true });
      writeFileSync(join(ud, rel), text);
    }
    mkdirSync(join(ud, 'auto-codex-rollbacks'));
    const own = (p: string) => {
      chownSync(p, NOBODY, NOBODY);
      if (lstatSync(p).isDirectory()) for (const n of readdirSync(p)) own(join(p, n));
    };
    own(ud);
    return ud;
  }
  const owners = (dir: string): number[] => {
    const st = lstatSync(dir);
    return [st.uid, ...(st.isDirectory() ? readdirSync(dir).flatMap((n) => owners(join(dir, n))) : [])];
  };

  it('rolls back to the previous source with every new file owned by the folder\'s owner', async () => {
    const ud = userdata('ok');
    const run = await runProgram(['rollback', 'source', '--to', 'previous', '--yes', '--root', root, '--userdata-dir', ud], { env });
    expect(run.code, run.stderr).toBe(0);
    expect([...new Set(owners(ud))]).toEqual([NOBODY]);
  });

  it('refuses a journal that is a link, or that names paths outside its folder; nothing is moved', async () => {
    const linked = userdata('linked');
    const elsewhere = join(base, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ version: 1, startedAt: 'x', source: join(linked, 'auto-codex-source'), staging: join(linked, 'auto-codex-rollbacks', '.staging-x'), safety: null }));
    symlinkSync(elsewhere, join(linked, 'auto-codex-rollbacks', '.rollback-journal.json'));
    const run = await runProgram(['rollback', 'source', '--to', 'previous', '--yes', '--root', root, '--userdata-dir', linked], { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('is a symlink');

    const outside = userdata('outside');
    const victim = join(base, 'victim');
    mkdirSync(victim);
    writeFileSync(
      join(outside, 'auto-codex-rollbacks', '.rollback-journal.json'),
      JSON.stringify({ version: 1, startedAt: 'x', source: join(outside, 'auto-codex-source'), staging: join(outside, 'auto-codex-rollbacks', '.staging-x'), safety: victim }),
    );
    const run2 = await runProgram(['rollback', 'source', '--to', 'previous', '--yes', '--root', root, '--userdata-dir', outside], { env });
    expect(run2.code).not.toBe(0);
    expect(run2.stderr).toContain('names paths outside');
    expect(readdirSync(base)).toContain('victim');
    expect(readdirSync(join(outside, 'auto-codex-source')).sort()).toEqual(['.env', '.update-metadata.json']);
  });
});
