import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { taskLogsCheck } from '../../src/core/health/checks/task-logs.js';
import { listProjects } from '../../src/core/projects/list-projects.js';
import { fakeHealthContext } from '../helpers/health-context.js';

// Projects belong to users: the folders here are owned by `nobody` (65534) and hold links a user
// could plant; run as root, the listing and the check must measure the links, never their targets.
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function userProject(base: string, name: string): string {
  const p = join(base, name);
  mkdirSync(join(p, '.auto-codex', 'specs', '001-spec', 'logs'), { recursive: true });
  writeFileSync(join(p, '.auto-codex', 'specs', '001-spec', 'task_logs.json'), '{"spec_id":"001-spec","phases":{}}');
  if (asRoot) for (const d of [p, join(p, '.auto-codex'), join(p, '.auto-codex', 'specs'), join(p, '.auto-codex', 'specs', '001-spec')]) chownSync(d, NOBODY, NOBODY);
  return p;
}

describe('projects over real folders owned by another user', () => {
  it('lists two projects of a projects.json, never following links to root-only files', async () => {
    const base = mkdtempSync(join(tmpdir(), 'aco-projects-int-'));
    dirs.push(base);
    const secret = join(base, 'root-only.bin');
    writeFileSync(secret, '');
    truncateSync(secret, 80 * 1024 * 1024);
    const a = userProject(base, 'alpha');
    const b = userProject(base, 'beta');
    // A planted link as a spec's task log, and a spec folder that is a link to /etc.
    rmSync(join(b, '.auto-codex', 'specs', '001-spec', 'task_logs.json'));
    symlinkSync(secret, join(b, '.auto-codex', 'specs', '001-spec', 'task_logs.json'));
    symlinkSync('/etc', join(b, '.auto-codex', 'specs', '002-etc'));
    symlinkSync(secret, join(a, '.auto-codex', 'specs', '001-spec', 'logs', 'big.log'));
    const ud = join(base, 'ud');
    mkdirSync(join(ud, 'store'), { recursive: true });
    const entry = (id: string, path: string) => ({ id, name: id, path, autoBuildPath: '.auto-codex', settings: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(ud, 'store', 'projects.json'), JSON.stringify({ projects: [entry('a', a), entry('b', b)], settings: {} }, null, 2));

    const listing = await listProjects({ projects: [], userdataDir: ud, backupDir: join(base, 'backups') });
    expect(listing.projects.map((p) => [p.path, p.state, p.specs, p.largestTaskLog?.spec ?? null])).toEqual([
      [a, 'ok', 1, '001-spec'],
      [b, 'ok', 1, null],
    ]);
    for (const p of listing.projects) expect(p.bytes).toBeLessThan(1024);

    // The 80 MB target is not a task log of beta: the check stays ok.
    const result = await taskLogsCheck.run({ ...fakeHealthContext({ env: { USERDATA_DIR: ud } }), env: { AUTO_CODEX_TASK_LOG_MAX_ENTRIES: '2000' } });
    expect(result.status).toBe('ok');
  });
});
