import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRotated } from '../../src/core/audit/files.js';
import { verifyAuditTrail } from '../../src/core/audit/verify.js';

const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');

// Real `backup userdata` runs in separate node processes, all ending at about the same moment and
// appending to one trail: the chain must stay a single unforked line (issue 8, "Concurrency").
describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('audit trail under concurrent real runs', () => {
  let work: string;
  let userdata: string;

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) execFileSync('npm', ['run', 'build', '--', '--bundle-only'], { cwd: REPO, stdio: 'inherit' });
    work = await mkdtemp(join(tmpdir(), 'aco-audit-int-'));
    userdata = join(work, 'userdata');
    await mkdir(join(userdata, 'Local Storage'), { recursive: true });
    await writeFile(join(userdata, 'settings.json'), JSON.stringify({ riskPolicy: 'standard', token: 'sk-notreallyasecret123' }));
    for (let i = 0; i < 20; i++) await writeFile(join(userdata, 'Local Storage', `blob-${i}.bin`), Buffer.alloc(64 * 1024, i));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const backup = (root: string, trail: string, extra: Record<string, string> = {}, args: string[] = [], folder = userdata) =>
    execa('node', [BUNDLE, 'backup', 'userdata', '--userdata-dir', folder, '--root', root, ...args], {
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, NO_COLOR: '1', AUTOCODEX_OPS_AUDIT_LOG: trail, ...extra },
    });

  it('16 concurrent backups (separate roots) append 16 records to one intact chain, rotating meanwhile', async () => {
    const trail = join(work, 'shared', 'audit.jsonl');
    const roots = await Promise.all(Array.from({ length: 16 }, (_, i) => mkdtemp(join(work, `root-${i}-`))));
    // Each root backs up its own folder: two runs on one folder exclude each other whatever their root (issue 14 §4).
    for (const root of roots) await cp(userdata, join(root, 'userdata'), { recursive: true });
    const runs = await Promise.all(roots.map((root) => backup(root, trail, { AUTO_CODEX_AUDIT_LOG_MAX_BYTES: '2500', AUTO_CODEX_AUDIT_LOG_BACKUPS: '0' }, [], join(root, 'userdata'))));
    for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
    for (const r of runs) expect(r.stderr).not.toContain('[audit]');

    const result = await verifyAuditTrail(trail);
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ ok: true, records: 16, head: { seq: 16 } });
    expect((await listRotated(trail)).length).toBeGreaterThan(0);

    const recs = [];
    for (const f of result.files) recs.push(...(await readFile(f.file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l)));
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(recs.map((r) => r.pid)).size).toBe(16);
    expect(new Set(recs.map((r) => r.root))).toEqual(new Set(roots));
    for (const r of recs) expect(r).toMatchObject({ command: 'backup userdata', outcome: 'ok', exitCode: 0 });
    expect((await readdir(join(work, 'shared'))).filter((n) => /lock|tmp/.test(n))).toEqual([]);

    const verify = await execa('node', [BUNDLE, 'audit', 'verify', '--file', trail], { reject: false });
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toContain('intact, 16 record(s)');
  });

  it('runs contending for one backup lock are all recorded, winners and losers, in one chain', async () => {
    const trail = join(work, 'contended', 'audit.jsonl');
    const root = await mkdtemp(join(work, 'shared-root-'));
    const runs = await Promise.all(Array.from({ length: 8 }, () => backup(root, trail)));
    const codes = runs.map((r) => r.exitCode).sort();
    expect(codes).toContain(0);
    for (const c of codes) expect([0, 11]).toContain(c);

    const result = await verifyAuditTrail(trail);
    expect(result.problems).toEqual([]);
    expect(result.records).toBe(8);
    const recs = (await readFile(trail, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => r.exitCode).sort()).toEqual(codes);
    for (const r of recs.filter((x) => x.exitCode === 11)) expect(r).toMatchObject({ outcome: 'failed', error: expect.stringContaining('lock') });
  });

  it('an interrupted backup is recorded as interrupted', async () => {
    const trail = join(work, 'interrupted', 'audit.jsonl');
    const root = await mkdtemp(join(work, 'int-root-'));
    // Big enough (160 MiB of incompressible data) that the archive is still being written when SIGINT lands.
    const big = join(work, 'big-userdata');
    await mkdir(big, { recursive: true });
    // One of the app's files, so that it is a userData folder (issue 23 §5 refuses a foreign one).
    await writeFile(join(big, 'settings.json'), '{}');
    for (let i = 0; i < 40; i++) await writeFile(join(big, `f-${i}.bin`), randomBytes(4 * 1024 * 1024));
    const child = execa('node', [BUNDLE, 'backup', 'userdata', '--userdata-dir', big, '--root', root], {
      reject: false,
      env: { AUTOCODEX_OPS_AUDIT_LOG: trail, NO_COLOR: '1' },
    });
    // SIGINT once the archive is being written, so the command's own cleanup path runs.
    // Exactly once: a second SIGINT means "exit at once" and skips cleanup and the record.
    let stderr = '';
    let sent = false;
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!sent && stderr.includes('Writing')) sent = child.kill('SIGINT');
    });
    const r = await child;
    const recs = (await readFile(trail, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(recs).toHaveLength(1);
    expect(r.exitCode).toBe(130);
    expect(recs[0]).toMatchObject({ command: 'backup userdata', outcome: 'interrupted', exitCode: 130 });
    expect((await verifyAuditTrail(trail)).ok).toBe(true);
  });
});
