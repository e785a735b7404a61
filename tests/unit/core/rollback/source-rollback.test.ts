import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectRunningApp } from '../../../../src/core/stack/app-running.js';
import { InterruptedError, OpsError } from '../../../../src/core/errors.js';
import { runSourceRollback, type SourceRollbackDeps } from '../../../../src/core/rollback/run-source-rollback.js';
import { recoverInterruptedRollback } from '../../../../src/core/rollback/source-apply.js';
import { nodeSourceFs, type SourceFs } from '../../../../src/core/rollback/source-fs.js';
import { sourceLayout } from '../../../../src/core/rollback/source-layout.js';

// Real temporary userData trees; only the clock, the lock, the prompt and (for crash tests) the
// file system port are stand-ins.

const NOW = new Date('2025-06-01T12:00:00Z');
const SAFETY = 'auto-codex-rollbacks/auto-codex-source_20250601_120000';
const meta = (version: string, updatedAt: string) => JSON.stringify({ version, updatedAt, source: 'github-release', releaseTag: `v${version}` });

type Tree = Record<string, string | null | { link: string }>;
const dirs: string[] = [];

function makeUserData(tree: Tree): string {
  const dir = mkdtempSync(join(tmpdir(), 'aco-ud-'));
  dirs.push(dir);
  for (const [rel, entry] of Object.entries(tree)) {
    const path = join(dir, rel);
    if (entry === null) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (typeof entry === 'object') symlinkSync(entry.link, path);
    else writeFileSync(path, entry);
  }
  return dir;
}

/** snapshot lists every entry under `dir` as `path`, `path/` or `path -> target` with file contents. */
function snapshot(dir: string, under = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, under)).sort()) {
    const rel = under ? `${under}/${name}` : name;
    const st = lstatSync(join(dir, rel));
    if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(join(dir, rel))}`;
    else if (st.isDirectory()) Object.assign(out, { [`${rel}/`]: '' }, snapshot(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

/** The typical tree: an override 1.5.0 with its .env and specs/, and the updater's backup of 1.4.0. */
const UPDATED: Tree = {
  'auto-codex-source/.update-metadata.json': meta('1.5.0', '2025-05-20T10:00:00Z'),
  'auto-codex-source/run.py': 'print("1.5.0, broken")\n',
  'auto-codex-source/.env': 'OPENAI_API_KEY=sk-mine\nGRAPHITI_ENABLED=true\n',
  'auto-codex-source/specs/001-task/spec.md': '# my spec\n',
  'auto-codex-source/specs/001-task/logs': null,
  'auto-codex-updates/backup/.update-metadata.json': meta('1.4.0', '2025-04-01T10:00:00Z'),
  'auto-codex-updates/backup/run.py': 'print("1.4.0, good")\n',
  'auto-codex-updates/backup/lib/link': { link: '../run.py' },
  'store/projects.json': '{}',
};

interface Harness {
  deps: SourceRollbackDeps;
  logs: string[];
  locks: string[];
}

function harness(over: Partial<SourceRollbackDeps> = {}): Harness {
  const logs: string[] = [];
  const locks: string[] = [];
  return {
    logs,
    locks,
    deps: {
      fs: nodeSourceFs,
      appState: (dir) => detectRunningApp(dir),
      now: () => NOW,
      log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
      lock: async () => {
        locks.push('acquired');
        return { release: async () => void locks.push('released') };
      },
      confirm: async () => true,
      ...over,
    },
  };
}

const run = (userdataDir: string, to: 'bundled' | 'previous', h: Harness, extra: { force?: boolean; dryRun?: boolean } = {}) =>
  runSourceRollback({ to, userdataDir, force: extra.force ?? false, dryRun: extra.dryRun ?? false }, h.deps);

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('rollback source --to bundled', () => {
  it('moves the override to a dated safety copy, intact, and says how to undo', async () => {
    const ud = makeUserData(UPDATED);
    const before = snapshot(join(ud, 'auto-codex-source'));
    const h = harness();
    const result = await run(ud, 'bundled', h);
    expect(result).toMatchObject({ kind: 'source', to: 'bundled', dryRun: false, safetyCopy: join(ud, SAFETY), from: { version: '1.5.0' } });
    expect(lstatSync(join(ud, 'auto-codex-source'), { throwIfNoEntry: false })).toBeUndefined();
    expect(snapshot(join(ud, SAFETY))).toEqual(before);
    expect(result.undo).toContain(`mv "${join(ud, SAFETY)}" "${join(ud, 'auto-codex-source')}"`);
    expect(h.locks).toEqual(['acquired', 'released']);
    expect(readdirSync(join(ud, 'auto-codex-rollbacks'))).toEqual(['auto-codex-source_20250601_120000']);
  });

  it('refuses with exit 2 when there is no override, and creates nothing', async () => {
    const ud = makeUserData({ 'auto-codex-updates/backup/run.py': 'x' });
    const before = snapshot(ud);
    const err = await run(ud, 'bundled', harness()).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 2, message: expect.stringContaining('already runs its bundled source') });
    expect(snapshot(ud)).toEqual(before);
  });

  it('picks a free name when a safety copy of the same second exists', async () => {
    const ud = makeUserData({ ...UPDATED, [`${SAFETY}/old`]: 'x' });
    const result = await run(ud, 'bundled', harness());
    expect(result.safetyCopy).toBe(join(ud, `${SAFETY}_2`));
  });
});

describe('rollback source --to previous', () => {
  it("installs the updater's backup with the current .env and specs/, keeps the backup and a complete safety copy", async () => {
    const ud = makeUserData(UPDATED);
    const old = snapshot(join(ud, 'auto-codex-source'));
    const backup = snapshot(join(ud, 'auto-codex-updates/backup'));
    const result = await run(ud, 'previous', harness());

    expect(result).toMatchObject({ from: { version: '1.5.0' }, installed: { version: '1.4.0', releaseTag: 'v1.4.0' }, carriedOver: ['.env', 'specs'], safetyCopy: join(ud, SAFETY) });
    const now = snapshot(join(ud, 'auto-codex-source'));
    expect(now).toEqual({
      ...backup,
      '.env': old['.env'],
      'specs/': '',
      'specs/001-task/': '',
      'specs/001-task/logs/': '',
      'specs/001-task/spec.md': old['specs/001-task/spec.md'],
    });
    expect(now['lib/link']).toBe('-> ../run.py');
    expect(snapshot(join(ud, 'auto-codex-updates/backup'))).toEqual(backup);
    expect(snapshot(join(ud, SAFETY))).toEqual(old);
    // No staging folder or journal is left behind.
    expect(readdirSync(join(ud, 'auto-codex-rollbacks'))).toEqual(['auto-codex-source_20250601_120000']);
  });

  it('refuses with exit 2 when the updater left no backup, or an empty one', async () => {
    const none = makeUserData({ 'auto-codex-source/run.py': 'x' });
    await expect(run(none, 'previous', harness())).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('Nothing to roll back to') });
    const empty = makeUserData({ 'auto-codex-source/run.py': 'x', 'auto-codex-updates/backup': null });
    await expect(run(empty, 'previous', harness())).rejects.toMatchObject({ exitCode: 2 });
    expect(lstatSync(join(empty, 'auto-codex-rollbacks'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('refuses with exit 2 when the override already is the backup (a second run)', async () => {
    const ud = makeUserData(UPDATED);
    await run(ud, 'previous', harness());
    const before = snapshot(ud);
    await expect(run(ud, 'previous', harness())).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('the same as the updater') });
    expect(snapshot(ud)).toEqual(before);
  });

  it('installs the backup when there is no override, warning that nothing was carried over', async () => {
    const ud = makeUserData({ 'auto-codex-updates/backup/run.py': 'good' });
    const h = harness();
    const result = await run(ud, 'previous', h);
    expect(result.safetyCopy).toBeUndefined();
    expect(readFileSync(join(ud, 'auto-codex-source/run.py'), 'utf8')).toBe('good');
    expect(h.logs.some((l) => l.startsWith('warn There is no current override'))).toBe(true);
  });

  it('carries only what exists: an override without specs/ carries its .env', async () => {
    const ud = makeUserData({ 'auto-codex-source/.env': 'A=1\n', 'auto-codex-updates/backup/run.py': 'x' });
    expect((await run(ud, 'previous', harness())).carriedOver).toEqual(['.env']);
  });
});

describe('refusals and dry run', () => {
  it('refuses (exit 1) while the app holds its singleton lock, and goes ahead with --force', async () => {
    const ud = makeUserData({ ...UPDATED, SingletonLock: { link: `${hostname()}-${process.pid}` } });
    const before = snapshot(ud);
    const err = await run(ud, 'bundled', harness()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpsError);
    expect(err).toMatchObject({ exitCode: 1, message: expect.stringContaining('Auto Codex is running') });
    expect(snapshot(ud)).toEqual(before);

    const h = harness();
    await run(ud, 'bundled', h, { force: true });
    expect(h.logs.some((l) => l.startsWith('warn Going ahead with --force'))).toBe(true);
  });

  it('refuses while a real process holds the lock, and goes ahead once that process has quit', async () => {
    const app = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const ud = makeUserData({ ...UPDATED, SingletonLock: { link: `${hostname()}-${app.pid}` } });
    try {
      await expect(run(ud, 'previous', harness())).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining(`pid ${app.pid}`) });
    } finally {
      app.kill('SIGKILL');
      await once(app, 'exit');
    }
    await expect(run(ud, 'previous', harness())).resolves.toMatchObject({ installed: { version: '1.4.0' } });
  });

  it('treats a lock from another host as running, and a stale lock of this host as gone', async () => {
    const other = makeUserData({ ...UPDATED, SingletonLock: { link: 'other-host.example-4242' } });
    await expect(run(other, 'bundled', harness())).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining('may be running') });
    const stale = makeUserData({ ...UPDATED, SingletonLock: { link: `${hostname()}-4194305` } });
    await expect(run(stale, 'bundled', harness())).resolves.toMatchObject({ to: 'bundled' });
  });

  it('fails with exit 10 when the userData folder does not exist', async () => {
    const missing = join(tmpdir(), `aco-no-such-userdata-${process.pid}`);
    await expect(run(missing, 'previous', harness({ lock: async () => ({ release: async () => undefined }) }))).rejects.toMatchObject({ exitCode: 10 });
  });

  it('--dry-run returns the plan, takes no lock and changes nothing', async () => {
    const ud = makeUserData(UPDATED);
    const before = snapshot(ud);
    const h = harness({ confirm: async () => expect.fail('a dry run must not ask') });
    const result = await run(ud, 'previous', h, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, safetyCopy: join(ud, SAFETY), carriedOver: ['.env', 'specs'] });
    expect(result.steps).toHaveLength(4);
    expect(h.locks).toEqual([]);
    expect(snapshot(ud)).toEqual(before);
  });

  it('a declined confirmation changes nothing (exit 1)', async () => {
    const ud = makeUserData(UPDATED);
    const before = snapshot(ud);
    await expect(run(ud, 'previous', harness({ confirm: async () => false }))).rejects.toMatchObject({ exitCode: 1, message: 'Aborted; nothing changed.' });
    expect(snapshot(ud)).toEqual(before);
  });
});

/**
 * crashFs passes through to the real fs, except that the call picked by `at` never settles: the
 * process "dies" there. `reached` resolves when that happens.
 */
function crashFs(at: (method: keyof SourceFs, args: string[], n: number) => boolean): { fs: SourceFs; reached: Promise<void> } {
  const counts = new Map<string, number>();
  let hit: () => void = () => undefined;
  const reached = new Promise<void>((r) => (hit = r));
  const fs = new Proxy(nodeSourceFs, {
    get(target, prop: keyof SourceFs) {
      const fn = target[prop] as (...a: string[]) => Promise<unknown>;
      return (...args: string[]) => {
        const n = (counts.get(prop) ?? 0) + 1;
        counts.set(prop, n);
        if (!at(prop, args, n)) return fn(...args);
        hit();
        return new Promise(() => undefined);
      };
    },
  });
  return { fs, reached };
}

async function killedAt(ud: string, at: Parameters<typeof crashFs>[0]): Promise<void> {
  const { fs, reached } = crashFs(at);
  const finished = run(ud, 'previous', harness({ fs })).then(() => 'finished');
  expect(await Promise.race([finished, reached.then(() => 'killed')])).toBe('killed');
}

describe('interruption between steps', () => {
  it('killed between the two renames: the next run puts the old override back, then rolls back', async () => {
    const ud = makeUserData(UPDATED);
    const old = snapshot(join(ud, 'auto-codex-source'));
    await killedAt(ud, (m, _a, n) => m === 'rename' && n === 2);
    expect(lstatSync(join(ud, 'auto-codex-source'), { throwIfNoEntry: false })).toBeUndefined();
    expect(readdirSync(join(ud, 'auto-codex-rollbacks')).sort()).toEqual(expect.arrayContaining(['.rollback-journal.json', 'auto-codex-source_20250601_120000']));

    const recovered = await recoverInterruptedRollback(nodeSourceFs, sourceLayout(ud));
    expect(recovered).toContain('moved');
    expect(snapshot(join(ud, 'auto-codex-source'))).toEqual(old);
    expect(readdirSync(join(ud, 'auto-codex-rollbacks'))).toEqual([]);

    const again = await run(ud, 'previous', harness());
    expect(again.installed?.version).toBe('1.4.0');
  });

  it('the next rollback recovers by itself and reports it', async () => {
    const ud = makeUserData(UPDATED);
    await killedAt(ud, (m, _a, n) => m === 'rename' && n === 2);
    const h = harness();
    const result = await run(ud, 'bundled', h);
    expect(result.recovered).toContain('moved');
    expect(h.logs.some((l) => l.startsWith('warn An interrupted rollback'))).toBe(true);
    expect(snapshot(join(ud, result.safetyCopy!.slice(ud.length + 1)))['.env']).toBe('OPENAI_API_KEY=sk-mine\nGRAPHITI_ENABLED=true\n');
  });

  it('killed before the first rename: the old override never moved; the staging folder is removed', async () => {
    const ud = makeUserData(UPDATED);
    const before = snapshot(ud);
    await killedAt(ud, (m, _a, n) => m === 'rename' && n === 1);
    expect(await recoverInterruptedRollback(nodeSourceFs, sourceLayout(ud))).toContain('had not moved anything');
    const after = snapshot(ud);
    delete after['auto-codex-rollbacks/'];
    expect(after).toEqual(before);
  });

  it('killed after both renames: the rollback stands, only the journal goes', async () => {
    const ud = makeUserData(UPDATED);
    await killedAt(ud, (m, a) => m === 'remove' && a[0]!.endsWith('.rollback-journal.json'));
    expect(await recoverInterruptedRollback(nodeSourceFs, sourceLayout(ud))).toContain('had completed');
    expect(readFileSync(join(ud, 'auto-codex-source/run.py'), 'utf8')).toContain('1.4.0');
    expect(readdirSync(join(ud, 'auto-codex-rollbacks'))).toEqual(['auto-codex-source_20250601_120000']);
  });

  it('killed while copying (no journal yet): the half-made staging folder is removed', async () => {
    const ud = makeUserData(UPDATED);
    await killedAt(ud, (m, a) => m === 'copy' && a[0]!.endsWith('specs'));
    expect(readdirSync(join(ud, 'auto-codex-rollbacks')).some((n) => n.startsWith('.staging-'))).toBe(true);
    expect(await recoverInterruptedRollback(nodeSourceFs, sourceLayout(ud))).toContain('staging folder');
    expect(readdirSync(join(ud, 'auto-codex-rollbacks'))).toEqual([]);
  });

  it('a journal cut short while being written counts as nothing moved', async () => {
    const ud = makeUserData({ ...UPDATED, 'auto-codex-rollbacks/.rollback-journal.json': '{"version":1,"startedAt":"2025' });
    expect(await recoverInterruptedRollback(nodeSourceFs, sourceLayout(ud))).toContain('cut short');
    expect(readdirSync(join(ud, 'auto-codex-rollbacks'))).toEqual([]);
  });

  it('a failed second rename is undone in-process: old override back, nothing left over (exit 1)', async () => {
    const ud = makeUserData(UPDATED);
    const before = snapshot(ud);
    let renames = 0;
    const fs: SourceFs = {
      ...nodeSourceFs,
      rename: async (from, to) => {
        renames += 1;
        if (renames === 2) throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
        return nodeSourceFs.rename(from, to);
      },
    };
    const err = await run(ud, 'previous', harness({ fs })).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 1, message: expect.stringContaining('nothing was changed') });
    const after = snapshot(ud);
    delete after['auto-codex-rollbacks/'];
    expect(after).toEqual(before);
  });

  it('when putting the old override back fails too, says so, keeps the journal, and the next run recovers', async () => {
    const ud = makeUserData(UPDATED);
    const old = snapshot(join(ud, 'auto-codex-source'));
    let renames = 0;
    const fs: SourceFs = {
      ...nodeSourceFs,
      rename: async (from, to) => {
        renames += 1;
        if (renames >= 2) throw Object.assign(new Error(`EIO: i/o error, rename '${from}'`), { code: 'EIO' });
        return nodeSourceFs.rename(from, to);
      },
    };
    const err = (await run(ud, 'previous', harness({ fs })).catch((e: unknown) => e)) as OpsError;
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('Putting the current override back also failed: move');
    expect(err.hint).toContain('.rollback-journal.json');
    expect(existsSync(join(ud, 'auto-codex-rollbacks/.rollback-journal.json'))).toBe(true);

    const h = harness();
    await run(ud, 'bundled', h);
    expect(h.logs.some((l) => l.includes('moved') && l.includes('back to'))).toBe(true);
    expect(snapshot(join(ud, SAFETY))).toEqual(old);
  });

  it('Ctrl-C while copying removes the staging folder and changes nothing (exit 130)', async () => {
    const ud = makeUserData(UPDATED);
    const before = snapshot(ud);
    const controller = new AbortController();
    const fs: SourceFs = { ...nodeSourceFs, copy: async (from, to) => {
      await nodeSourceFs.copy(from, to);
      controller.abort();
    } };
    const err = await run(ud, 'previous', harness({ fs, signal: controller.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    const after = snapshot(ud);
    delete after['auto-codex-rollbacks/'];
    expect(after).toEqual(before);
  });
});

describe('versions in the plan', () => {
  it('tolerates missing or broken metadata', async () => {
    const ud = makeUserData({ 'auto-codex-source/.update-metadata.json': '{not json', 'auto-codex-updates/backup/run.py': 'x' });
    const result = await run(ud, 'previous', harness(), { dryRun: true });
    expect(result.from).toEqual({ path: join(ud, 'auto-codex-source') });
    expect(result.installed).toEqual({ path: join(ud, 'auto-codex-updates', 'backup') });
    expect(relative(ud, result.source)).toBe('auto-codex-source');
  });
});
