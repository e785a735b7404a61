import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../../../../src/core/backup-store/catalog.js';
import { InterruptedError, OpsError, UsageError } from '../../../../src/core/errors.js';
import type { RestorePlan } from '../../../../src/core/restore/restore-result.js';
import { runUserdataRestore, type UserdataRestoreOptions } from '../../../../src/core/restore/run-userdata-restore.js';
import { makeArchive } from '../../../helpers/archives.js';

interface Setup {
  root: string;
  target: string;
  backups: string;
  archive: string;
  options: UserdataRestoreOptions;
}

async function setup(): Promise<Setup> {
  const root = mkdtempSync(join(tmpdir(), 'aco-ud-restore-'));
  const target = join(root, 'config', 'Auto Codex');
  mkdirSync(join(target, 'Local Storage'), { recursive: true });
  writeFileSync(join(target, 'settings.json'), '{"riskPolicy":"permissive"}');
  writeFileSync(join(target, 'Local Storage', 'current.log'), 'current');
  const backups = join(root, 'backups');
  const archive = await makeArchive(join(backups, 'userdata_20250101_000000.tar.gz'), {
    'settings.json': '{"riskPolicy":"conservative"}',
    'Local Storage/leveldb.log': 'restored',
    '.hidden-token': 'token',
  });
  return { root, target, backups, archive, options: { archive, userdataDir: target, preRestoreDir: backups, dryRun: false, force: false } };
}

function deps(root: string, over: { confirm?: (plan: RestorePlan) => Promise<boolean>; signal?: AbortSignal; onInfo?: (m: string) => void; isAlive?: (pid: number) => boolean } = {}) {
  const lines: string[] = [];
  return {
    lines,
    deps: {
      log: { info: (m: string) => (lines.push(m), over.onInfo?.(m)), warn: (m: string) => lines.push(`WARN ${m}`), error: (m: string) => lines.push(`ERROR ${m}`) },
      signal: over.signal,
      now: () => new Date(),
      hostname: 'test',
      toolVersion: '0.0.0-test',
      lockDir: join(root, 'locks'),
      confirm: over.confirm ?? (async () => true),
      probe: { hostname: hostname(), isAlive: over.isAlive ?? (() => false) },
    },
  };
}

const tree = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => `${join(d.parentPath, d.name).slice(dir.length + 1)}${d.isDirectory() ? '/' : `=${readFileSync(join(d.parentPath, d.name), 'utf8')}`}`)
    .sort();

describe('runUserdataRestore', () => {
  it('swaps in the archive content, keeps a verified safety archive and leaves nothing beside the folder', async () => {
    const s = await setup();
    const { deps: d } = deps(s.root);
    const result = await runUserdataRestore(s.options, d);
    expect(tree(s.target)).toEqual(['.hidden-token=token', 'Local Storage/', 'Local Storage/leveldb.log=restored', 'settings.json={"riskPolicy":"conservative"}']);
    expect(statSync(s.target).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(s.root, 'config'))).toEqual(['Auto Codex']);
    expect(result).toMatchObject({ kind: 'userdata', dryRun: false, checksum: 'verified', target: s.target, safetyBackup: expect.stringMatching(/userdata_pre_restore_\d{8}_\d{6}\.tar\.gz$/) });
    const [safety] = await listBackups(s.backups, 'userdata-pre-restore');
    expect(safety).toMatchObject({ archive: result.safetyBackup, hasSidecar: true, hasManifest: true });
    expect(result.phases.map((p) => p.name)).toEqual(['checking the archive', 'extracting the archive into a staging folder', 'taking the safety copy of the current folder', 'moving the restored folder into place']);
  });

  it('creates a folder that does not exist yet, with no safety copy', async () => {
    const s = await setup();
    const target = join(s.root, 'fresh', 'Auto Codex');
    const result = await runUserdataRestore({ ...s.options, userdataDir: target }, deps(s.root).deps);
    expect(result.safetyBackup).toBeNull();
    expect(tree(target)).toContain('settings.json={"riskPolicy":"conservative"}');
  });

  it('--dry-run and a declined confirmation change nothing', async () => {
    const s = await setup();
    const before = tree(s.target);
    const dry = await runUserdataRestore({ ...s.options, dryRun: true }, deps(s.root).deps);
    expect(dry).toMatchObject({ dryRun: true, plan: { kind: 'userdata', target: s.target, checksum: 'verified' } });
    await expect(runUserdataRestore(s.options, deps(s.root, { confirm: async () => false }).deps)).rejects.toThrow('Aborted; nothing changed.');
    expect(tree(s.target)).toEqual(before);
    expect(readdirSync(s.backups)).toEqual(['userdata_20250101_000000.tar.gz', 'userdata_20250101_000000.tar.gz.sha256']);
  });

  it('refuses while the app runs (exit 1) and goes ahead with --force and a warning', async () => {
    const s = await setup();
    symlinkSync(`${hostname()}-4242`, join(s.target, 'SingletonLock'));
    const running = deps(s.root, { isAlive: (pid) => pid === 4242 }).deps;
    const error = await runUserdataRestore(s.options, running).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/seems to be running .* Nothing was changed/);
    const forced = await runUserdataRestore({ ...s.options, force: true }, running);
    expect(forced.warnings).toEqual([expect.stringContaining('--force although the app seems to be running')]);
  });

  it('refuses a symlinked target and a safety folder or archive inside the target (exit 2)', async () => {
    const s = await setup();
    const link = join(s.root, 'link');
    symlinkSync(s.target, link);
    await expect(runUserdataRestore({ ...s.options, userdataDir: link }, deps(s.root).deps)).rejects.toBeInstanceOf(UsageError);
    await expect(runUserdataRestore({ ...s.options, preRestoreDir: join(s.target, 'bk') }, deps(s.root).deps)).rejects.toThrow(/inside the userData folder/);
    const inside = await makeArchive(join(s.target, 'userdata_20250101_000001.tar.gz'), { 'a.txt': 'a' });
    await expect(runUserdataRestore({ ...s.options, archive: inside }, deps(s.root).deps)).rejects.toThrow(/inside the userData folder it would replace/);
  });

  it('an archive that changes after the checks is not extracted: the folder is untouched, no staging left', async () => {
    const s = await setup();
    const before = tree(s.target);
    const swapped = deps(s.root, {
      confirm: async () => {
        await makeArchive(s.archive, { 'settings.json': 'tampered' }, { sidecar: false });
        return true;
      },
    }).deps;
    await expect(runUserdataRestore(s.options, swapped)).rejects.toThrow(/changed after it was checked/);
    expect(tree(s.target)).toEqual(before);
    expect(readdirSync(join(s.root, 'config'))).toEqual(['Auto Codex']);
  });

  it('Ctrl-C during the safety copy: InterruptedError, folder untouched, no staging and no partial archive', async () => {
    const s = await setup();
    const before = tree(s.target);
    const controller = new AbortController();
    const d = deps(s.root, { signal: controller.signal, onInfo: (m) => m.startsWith('Taking the safety copy') && controller.abort() }).deps;
    await expect(runUserdataRestore(s.options, d)).rejects.toBeInstanceOf(InterruptedError);
    expect(tree(s.target)).toEqual(before);
    expect(readdirSync(join(s.root, 'config'))).toEqual(['Auto Codex']);
    expect(readdirSync(s.backups).filter((n) => n.includes('pre_restore'))).toEqual([]);
  });
});
