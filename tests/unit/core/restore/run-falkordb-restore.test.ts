import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { legacyJournalPath, readJournal, writeJournal, type RestoreJournal } from '../../../../src/core/backup-store/restore-journal.js';
import { readArchive } from '../../../../src/core/archive/read-archive.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../../../../src/core/backup-store/catalog.js';
import { storeBackup } from '../../../../src/core/backup-store/store-backup.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { InterruptedError, LockHeldError, OpsError, PrerequisiteError, UsageError } from '../../../../src/core/errors.js';
import { acquireLock } from '../../../../src/core/run/lock.js';
import { FalkorUnreachableError } from '../../../../src/core/falkordb/falkor-errors.js';
import type { ConnectFalkor } from '../../../../src/core/restore/falkordb-target.js';
import type { RestorePlan } from '../../../../src/core/restore/restore-result.js';
import { runFalkorRestore, type FalkorRestoreOptions } from '../../../../src/core/restore/run-falkordb-restore.js';
import { composeLabels, FakeDocker } from '../../../helpers/fake-docker.js';
import { rawTar, type RawEntry } from '../../../fixtures/restore/raw-tar.js';

/** Writes a journal where versions before the state folder wrote it: hidden, beside the safety copies. */
const writeLegacy = (dir: string, journal: RestoreJournal) => writeFileSync(legacyJournalPath(dir, journal.volume), JSON.stringify(journal));

const VOLUME = 'auto-codex_falkordb_data';
const IMAGE = { id: 'sha256:falkordb-test', repoTags: ['falkordb/falkordb:test'], repoDigests: [] };
const CURRENT: RawEntry[] = [{ path: './', type: 'Directory' }, { path: './dump.rdb', body: 'current-data' }, { path: './.hidden', body: 'dot' }];
const BACKUP: RawEntry[] = [{ path: './', type: 'Directory' }, { path: './dump.rdb', body: 'backup-data' }, { path: './appendonlydir/', type: 'Directory' }, { path: './appendonlydir/a.aof', body: 'SET k v' }];

const filesOf = (entries: RawEntry[]): Record<string, string> =>
  Object.fromEntries(entries.filter((e) => e.type === undefined).map((e) => [e.path.replace(/^\.\//, ''), String(e.body)]));

const fakeClock = () => new FakeClock();

interface World {
  docker: FakeDocker;
  server: { keys: number; reachable: boolean; graphs?: string[] };
  root: string;
  archive: string;
  options: FalkorRestoreOptions;
}

async function world(over: { running?: boolean; graphiti?: boolean; keys?: number } = {}): Promise<World> {
  const running = over.running ?? true;
  const docker = new FakeDocker({
    containers: [
      { name: 'auto-codex-falkordb', running, labels: composeLabels('falkordb'), imageId: IMAGE.id, mounts: [{ type: 'volume', name: VOLUME, source: '', destination: '/var/lib/falkordb/data', readOnly: false }] },
      ...(over.graphiti === false ? [] : [{ name: 'auto-codex-graphiti-mcp', running, labels: composeLabels('graphiti-mcp') }]),
    ],
    volumes: [{ name: VOLUME, files: filesOf(CURRENT) }],
    images: [IMAGE],
  });
  const root = mkdtempSync(join(tmpdir(), 'aco-fk-restore-'));
  const stored = await storeBackup({
    dir: join(root, 'backups'),
    facts: { kind: 'falkordb', createdAt: new Date('2025-01-01T00:00:00Z'), host: 'h', toolVersion: 't', mode: 'save', source: { container: { imageId: IMAGE.id, image: 'falkordb/falkordb:test' } }, server: { keys: over.keys ?? 3 } },
    source: Readable.from([rawTar(BACKUP)]),
    policy: { keepMin: 1 },
    now: () => new Date(),
    log: { info: () => undefined, warn: () => undefined },
  });
  const options: FalkorRestoreOptions = {
    archive: stored.written.path,
    dryRun: false,
    force: false,
    start: false,
    preRestoreDir: join(root, 'backups'),
    journals: { dir: join(root, 'state'), engine: 'local', legacyDir: join(root, 'backups') },
    healthTimeoutSecs: 5,
    skipHealthWait: false,
    stopGraceSeconds: 1,
    server: { host: '127.0.0.1', port: 6380 },
    project: 'auto-codex',
    falkordbContainerName: 'auto-codex-falkordb',
    graphitiContainerName: 'auto-codex-graphiti-mcp',
    configuredVolume: VOLUME,
    extraHelperImages: [],
  };
  return { docker, server: { keys: 3, reachable: true }, root, archive: stored.written.path, options };
}

function connectTo(server: World['server']): ConnectFalkor {
  return async () => {
    if (!server.reachable) throw new FalkorUnreachableError('FalkorDB at 127.0.0.1:6380 is unreachable: connection refused.');
    return { where: '127.0.0.1:6380', ping: async () => ({ reply: 'PONG', rttMs: 1 }), dbsize: async () => server.keys, graphList: async () => server.graphs, moduleList: async () => [], close: async () => undefined };
  };
}

function deps(w: World, over: { confirm?: (plan: RestorePlan) => Promise<boolean>; signal?: AbortSignal } = {}) {
  const lines: string[] = [];
  return {
    lines,
    deps: {
      log: { info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(`WARN ${m}`), error: (m: string) => void lines.push(`ERROR ${m}`) },
      signal: over.signal,
      now: () => new Date(),
      hostname: 'test',
      toolVersion: '0.0.0-test',
      lockDir: join(w.root, 'locks'),
      confirm: over.confirm ?? (async () => true),
      docker: async () => w.docker,
      connect: connectTo(w.server),
      clock: fakeClock(),
    },
  };
}

// What the data volume holds now, file by file (the fake models a volume as its files).
const content = (w: World) => w.docker.filesOf(VOLUME);
const moveBackHelper = (args: unknown[]) => (args[0] as { labels: Record<string, string> }).labels['autocodex-ops.helper.purpose'] === 'move-back';
const state = (w: World, name: string) => w.docker.container(name).running;
const stopOrder = (w: World) => w.docker.callsTo('stopContainer').map(([id]) => w.docker.container(id as string).name).filter((n) => !n.startsWith('autocodex-ops-helper'));

describe('runFalkorRestore', () => {
  it('stops Graphiti MCP then FalkorDB, keeps a verified safety copy, replaces the volume and checks the key count', async () => {
    const w = await world();
    const { deps: d } = deps(w);
    const result = await runFalkorRestore(w.options, d);
    expect(content(w)).toEqual(filesOf(BACKUP));
    expect(stopOrder(w)).toEqual(['auto-codex-graphiti-mcp', 'auto-codex-falkordb']);
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
    expect(result).toMatchObject({
      kind: 'falkordb',
      archive: w.archive,
      target: VOLUME,
      checksum: 'verified',
      stopped: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'],
      started: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'],
      health: { status: 'healthy', data: { ping: 'PONG', keys: 3, expectedKeys: 3 } },
    });
    const [safety] = await listBackups(w.options.preRestoreDir, 'falkordb-pre-restore');
    expect(safety).toMatchObject({ archive: result.safetyBackup, hasSidecar: true, hasManifest: true });
    // The safety copy holds the data as it was, written from the folder it was moved aside into.
    const listing = await readArchive(result.safetyBackup!);
    expect(listing.entries.filter((e) => e.type === 'File').map((e) => e.path.replace(/^\.\//, '')).sort()).toEqual(Object.keys(filesOf(CURRENT)).sort());
    expect(result.phases.map((p) => p.name)).toEqual([
      'checking the archive',
      'finding FalkorDB, Graphiti MCP and the data volume',
      'stopping the services',
      'moving the current data aside inside the volume',
      'extracting the archive',
      'starting the services',
      'checking the services and the data',
      'writing the safety archive of the previous data',
      'removing the moved-aside data',
    ]);
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
    expect(w.docker.containers.size).toBe(2);
  });

  it('--dry-run runs the checks, returns the plan and touches nothing', async () => {
    const w = await world();
    const result = await runFalkorRestore({ ...w.options, dryRun: true }, deps(w).deps);
    expect(result.plan).toMatchObject({ stop: ['auto-codex-graphiti-mcp', 'auto-codex-falkordb'], start: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'], target: VOLUME, safetyBackup: expect.stringContaining('falkordb_pre_restore_') });
    expect(w.docker.callsTo('stopContainer')).toEqual([]);
    expect(w.docker.callsTo('createContainer')).toEqual([]);
    expect(readdirSync(w.options.preRestoreDir).filter((n) => n.includes('pre_restore'))).toEqual([]);
  });

  it('a failure during the extraction moves the previous data back and restarts what ran (exit 1), no safety copy, no journal', async () => {
    const w = await world();
    w.docker.failNext('putArchive', new Error('engine fell over'));
    const error = (await runFalkorRestore(w.options, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(error).toBeInstanceOf(OpsError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^Restore failed while extracting the archive: .*engine fell over\nRolled back: volume auto-codex_falkordb_data holds its previous data \(moved aside into \.falkordb_pre_restore_\d{8}_\d{6}\) again; restarted auto-codex-falkordb, auto-codex-graphiti-mcp\./);
    expect(content(w)).toEqual(filesOf(CURRENT));
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
    expect(readdirSync(w.options.preRestoreDir).filter((n) => n.includes('pre_restore') || n.includes('journal'))).toEqual([]);
  });

  it('data that does not match the manifest is rolled back', async () => {
    const w = await world({ keys: 7 });
    const error = (await runFalkorRestore(w.options, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(error.message).toContain('FalkorDB holds 3 keys after the restore, the backup\'s manifest says 7');
    expect(error.message).toContain('Rolled back');
    expect(content(w)).toEqual(filesOf(CURRENT));
  });

  it('when the rollback fails too, services stay stopped, the old data stays moved aside and the hint is --undo or the one manual command', async () => {
    const w = await world();
    w.docker.failNext('putArchive', new Error('first failure'));
    w.docker.failNext('createContainer', new Error('second failure'), moveBackHelper);
    const error = (await runFalkorRestore(w.options, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(error.message).toMatch(/Rolling back FAILED while putting its previous data \(moved aside into \.falkordb_pre_restore_\d{8}_\d{6}\) back into volume auto-codex_falkordb_data: .*second failure/);
    expect(error.message).toContain('were left stopped');
    expect(error.hint).toMatch(
      /^Run `autocodex-ops restore falkordb --undo` \(the restore journal remembers the way back\), or put it back by hand: docker run --rm --network none --entrypoint sh -v 'auto-codex_falkordb_data:\/data' 'sha256:falkordb-test' -c 'cd \/data && [\s\S]*' sh '\.falkordb_pre_restore_\d{8}_\d{6}' '\.autocodex-ops-discard-\d{8}_\d{6}' && docker start 'auto-codex-falkordb' 'auto-codex-graphiti-mcp'$/,
    );
    expect(state(w, 'auto-codex-falkordb') || state(w, 'auto-codex-graphiti-mcp')).toBe(false);
    // Nothing of the old data was deleted: it is all in the folder --undo moves back.
    const aside = Object.keys(content(w) ?? {}).filter((p) => p.startsWith('.falkordb_pre_restore_'));
    expect(aside.map((p) => p.replace(/^[^/]+\//, '')).sort()).toEqual(Object.keys(filesOf(CURRENT)).sort());
    // The journal stays: a plain restore and a backup refuse; --undo puts the safety copy back and starts what ran.
    const found = await readJournal(w.options.journals, VOLUME);
    expect(found && 'journal' in found && found.journal).toMatchObject({ step: 'rollback-failed', archive: { path: w.archive }, wereRunning: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'] });
    const again = (await runFalkorRestore(w.options, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(again).toBeInstanceOf(OpsError);
    expect(again.exitCode).toBe(1);
    expect(again.message).toMatch(/was interrupted while rollback-failed .*the previous data is complete in its folder \.falkordb_pre_restore_\d{8}_\d{6}/);
    expect(again.hint).toContain('restore falkordb --undo');
    // Killed while rolling back: only --undo (a resume could delete what was already moved back).
    const resume = (await runFalkorRestore({ ...w.options, journal: 'resume' }, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(resume).toBeInstanceOf(UsageError);
    expect(resume.message).toContain('it can only be undone; nothing was changed');
    const undone = await runFalkorRestore({ ...w.options, journal: 'undo' }, deps(w).deps);
    expect(undone).toMatchObject({ finished: 'undo', started: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'] });
    expect(content(w)).toEqual(filesOf(CURRENT));
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
    const none = (await runFalkorRestore({ ...w.options, journal: 'undo' }, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(none).toBeInstanceOf(UsageError);
  });

  it('--resume of a restore killed while extracting: the half extraction goes, the archive again beside the folder, then the safety copy', async () => {
    const w = await world();
    w.docker.failNext('putArchive', new Error('first failure'));
    w.docker.failNext('createContainer', new Error('second failure'), moveBackHelper);
    await runFalkorRestore(w.options, deps(w).deps).catch(() => undefined);
    // As a kill -9 while extracting leaves it: the journal at that step, a half extraction beside the folder.
    const found = await readJournal(w.options.journals, VOLUME);
    if (!found || !('journal' in found)) throw new Error('no journal');
    await writeJournal(w.options.journals, { ...found.journal, step: 'extracting' });
    const plan = await runFalkorRestore({ ...w.options, archive: '', journal: 'resume', dryRun: true }, deps(w).deps);
    expect(plan.plan?.steps).toEqual(expect.arrayContaining([expect.stringMatching(/^remove the half-restored data beside \.falkordb_pre_restore_/)]));
    const result = await runFalkorRestore({ ...w.options, archive: '', journal: 'resume' }, deps(w).deps);
    expect(result).toMatchObject({ finished: 'resume', archive: w.archive, health: { data: { keys: 3, expectedKeys: 3 } } });
    expect(content(w)).toEqual(filesOf(BACKUP));
    const [safety] = await listBackups(w.options.preRestoreDir, 'falkordb-pre-restore');
    const listing = await readArchive(safety!.archive);
    expect(listing.entries.filter((e) => e.type === 'File').map((e) => e.path.replace(/^\.\//, '')).sort()).toEqual(Object.keys(filesOf(CURRENT)).sort());
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
  });

  it('--resume of a restore from s3:// whose download is gone fetches it again; another object there, or no store, is exit 2 with nothing changed', async () => {
    const w = await world();
    w.docker.failNext('putArchive', new Error('first failure'));
    w.docker.failNext('createContainer', new Error('second failure'), moveBackHelper);
    const url = 's3://bucket/host1/falkordb/x.tar.gz';
    await runFalkorRestore({ ...w.options, sourceUrl: url }, deps(w).deps).catch(() => undefined);
    const found = await readJournal(w.options.journals, VOLUME);
    if (!found || !('journal' in found)) throw new Error('no journal');
    expect(found.journal.archive).toMatchObject({ url, path: w.archive });
    // As a kill -9 while extracting leaves it, once the run's download folder is gone.
    const gone = join(w.root, 'gone', 'falkordb_data_20250101_000000.tar.gz');
    await writeJournal(w.options.journals, { ...found.journal, step: 'extracting', archive: { ...found.journal.archive, path: gone } });
    const half = content(w);
    const noStore = (await runFalkorRestore({ ...w.options, archive: '', journal: 'resume' }, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(noStore).toMatchObject({ exitCode: 2, message: expect.stringContaining(`came from ${url}, and its download ${gone} is gone`) });
    const disposed: string[] = [];
    const copy = (bytes: Buffer) => async (asked: string) => {
      const path = join(mkdtempSync(join(w.root, 'dl-')), 'falkordb_data_20250101_000000.tar.gz');
      writeFileSync(path, bytes);
      // As downloadArchive leaves it: the sidecars beside the archive.
      for (const ext of ['.sha256', '.manifest.json']) if (existsSync(`${w.archive}${ext}`)) copyFileSync(`${w.archive}${ext}`, `${path}${ext}`);
      expect(asked).toBe(url);
      return { path, sha256: createHash('sha256').update(bytes).digest('hex'), dispose: async () => void disposed.push(path) };
    };
    const other = (await runFalkorRestore({ ...w.options, archive: '', journal: 'resume' }, { ...deps(w).deps, fetchArchive: copy(Buffer.from('another object')) }).catch((e: unknown) => e)) as OpsError;
    expect(other).toMatchObject({ exitCode: 2, message: expect.stringMatching(/is no longer the archive the interrupted restore began with .*nothing was changed/) });
    expect(content(w)).toEqual(half);
    expect(await readJournal(w.options.journals, VOLUME)).toMatchObject({ journal: { step: 'extracting' } });
    const result = await runFalkorRestore({ ...w.options, archive: '', journal: 'resume' }, { ...deps(w).deps, fetchArchive: copy(readFileSync(w.archive)) });
    expect(result).toMatchObject({ finished: 'resume', health: { data: { keys: 3, expectedKeys: 3 } } });
    expect(content(w)).toEqual(filesOf(BACKUP));
    expect(disposed).toHaveLength(2);
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
  });

  it('a safety archive that cannot be written after the data was verified keeps the folder and the journal; --resume writes it, --undo is still possible before', async () => {
    const w = await world();
    w.docker.failNext('getArchive', new Error('export broke'));
    const error = (await runFalkorRestore(w.options, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(error).toBeInstanceOf(OpsError);
    expect(error.message).toMatch(/^The restore was verified, but keeping its way back failed: .*export broke/);
    expect(error.hint).toContain('restore falkordb --resume');
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
    const found = await readJournal(w.options.journals, VOLUME);
    expect(found && 'journal' in found && found.journal).toMatchObject({ step: 'writing-safety-archive' });
    expect(await listBackups(w.options.preRestoreDir, 'falkordb-pre-restore')).toEqual([]);
    const result = await runFalkorRestore({ ...w.options, archive: '', journal: 'resume' }, deps(w).deps);
    expect(result).toMatchObject({ finished: 'resume', archive: w.archive, stopped: [], safetyBackup: expect.stringContaining('falkordb_pre_restore_') });
    expect(content(w)).toEqual(filesOf(BACKUP));
    const listing = await readArchive(result.safetyBackup!);
    expect(listing.entries.filter((e) => e.type === 'File').map((e) => e.path.replace(/^\.\//, '')).sort()).toEqual(Object.keys(filesOf(CURRENT)).sort());
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
  });

  it('--undo of a verified restore whose safety archive was not written moves the previous data back, no archive needed', async () => {
    const w = await world();
    w.docker.failNext('getArchive', new Error('export broke'));
    await runFalkorRestore(w.options, deps(w).deps).catch(() => undefined);
    rmSync(w.archive);
    const result = await runFalkorRestore({ ...w.options, archive: '', journal: 'undo' }, deps(w).deps);
    expect(result).toMatchObject({ finished: 'undo', safetyBackup: null, started: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'] });
    expect(content(w)).toEqual(filesOf(CURRENT));
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
  });

  it('a journal of an earlier version (safety copy first, then wipe) is still undone from its safety copy and resumed from its archive', async () => {
    for (const mode of ['undo', 'resume'] as const) {
      const w = await world();
      // The safety copy such a run wrote, and the half-wiped volume its kill left behind.
      const safety = await storeBackup({
        dir: w.options.preRestoreDir,
        facts: { kind: 'falkordb-pre-restore', createdAt: new Date('2025-01-02T00:00:00Z'), host: 'h', toolVersion: 't', mode: 'stop', source: {} },
        source: Readable.from([rawTar(CURRENT)]),
        policy: { keepMin: 1 },
        now: () => new Date(),
        log: { info: () => undefined, warn: () => undefined },
      });
      w.docker.addVolume({ name: VOLUME, files: { 'dump.rdb': 'half' } });
      for (const c of ['auto-codex-falkordb', 'auto-codex-graphiti-mcp']) w.docker.container(c).running = false;
      // Written where that version wrote it (PRE_RESTORE_BACKUP_DIR), not in the state folder.
      writeLegacy(w.options.preRestoreDir, {
        version: 1,
        command: 'restore falkordb',
        volume: VOLUME,
        archive: { path: w.archive, sha256: createHash('sha256').update(readFileSync(w.archive)).digest('hex') },
        safetyCopy: { path: safety.written.path, sha256: safety.written.sha256 },
        helperImage: IMAGE.id,
        wereRunning: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'],
        toStart: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'],
        step: 'extracting',
        startedAt: '2025-01-02T00:00:00.000Z',
        updatedAt: '2025-01-02T00:00:00.000Z',
        host: 'h',
        pid: 1,
      });
      // Another run (another root or user) finds it too: the healthcheck's listing and the resume read both places.
      expect(await readJournal(w.options.journals, VOLUME)).toMatchObject({ path: legacyJournalPath(w.options.preRestoreDir, VOLUME), journal: { step: 'extracting' } });
      const result = await runFalkorRestore({ ...w.options, archive: '', journal: mode }, deps(w).deps);
      expect(result).toMatchObject({ finished: mode, safetyBackup: safety.written.path });
      // Its steps moved it to the state folder, and the end removed it at both places.
      expect(readdirSync(w.options.preRestoreDir).filter((n) => n.endsWith('.journal.json'))).toEqual([]);
      expect(readdirSync(w.options.journals.dir)).toEqual([]);
      expect(content(w)).toEqual(filesOf(mode === 'undo' ? CURRENT : BACKUP));
      expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
      expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
    }
  });

  it('an archive removed or replaced at the prompt: exit 1 before anything is stopped', async () => {
    for (const change of ['remove', 'replace', 'modify'] as const) {
      const w = await world();
      const confirm = async () => {
        if (change === 'remove') rmSync(w.archive);
        else if (change === 'modify') appendFileSync(w.archive, 'tail');
        else {
          renameSync(w.archive, `${w.archive}.old`);
          copyFileSync(`${w.archive}.old`, w.archive);
        }
        return true;
      };
      const error = (await runFalkorRestore(w.options, deps(w, { confirm }).deps).catch((e: unknown) => e)) as OpsError;
      expect(error.message).toMatch({ remove: /was removed since it was checked; nothing was stopped/, replace: /was replaced by another file since it was checked/, modify: /was modified since it was checked/ }[change]);
      expect(error.exitCode).toBe(1);
      expect(w.docker.callsTo('stopContainer')).toEqual([]);
      expect(content(w)).toEqual(filesOf(CURRENT));
      expect(await listBackups(w.options.preRestoreDir, 'falkordb-pre-restore')).toEqual([]);
    }
  });

  it('Ctrl-C during the extraction rolls back and ends with InterruptedError (exit 130)', async () => {
    const w = await world();
    const controller = new AbortController();
    const put = w.docker.putArchive.bind(w.docker);
    let first = true;
    w.docker.putArchive = async (id, path, tar, options) => {
      if (first) {
        first = false;
        controller.abort();
        throw new Error('aborted');
      }
      return put(id, path, tar, options);
    };
    const error = (await runFalkorRestore(w.options, deps(w, { signal: controller.signal }).deps).catch((e: unknown) => e)) as OpsError;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(130);
    expect(error.message).toMatch(/^Restore interrupted while extracting the archive/);
    expect(content(w)).toEqual(filesOf(CURRENT));
    expect(state(w, 'auto-codex-falkordb')).toBe(true);
  });

  it('leaves stopped services stopped unless --start; an unreachable server is checked by health only', async () => {
    const w = await world({ running: false });
    const result = await runFalkorRestore(w.options, deps(w).deps);
    expect(result).toMatchObject({ stopped: [], started: [], health: { status: 'not-started' } });
    expect(state(w, 'auto-codex-falkordb')).toBe(false);

    const up = await world();
    up.server.reachable = false;
    const checked = await runFalkorRestore(up.options, deps(up).deps);
    expect(checked.health).toMatchObject({ status: 'healthy' });
    expect(checked.health!.data).toBeUndefined();
    expect(checked.warnings).toEqual(expect.arrayContaining([expect.stringContaining('checked through the containers\' health only')]));
  });

  it('refuses, touching nothing, when another running container uses the volume or the confirmation is declined', async () => {
    const w = await world();
    w.docker.containers.set('other', { info: { ...w.docker.container('auto-codex-falkordb'), id: 'other', name: 'stray' }, logs: '', healthSequence: [] } as never);
    await expect(runFalkorRestore(w.options, deps(w).deps)).rejects.toThrow(/also used by running container\(s\) stray/);
    w.docker.containers.delete('other');
    await expect(runFalkorRestore(w.options, deps(w, { confirm: async () => false }).deps)).rejects.toThrow('Aborted; nothing changed.');
    expect(w.docker.callsTo('stopContainer')).toEqual([]);
    expect(content(w)).toEqual(filesOf(CURRENT));
  });

  it('a bad archive is refused with exit 2, Docker only looked at (never changed), even when that lookup fails too', async () => {
    const w = await world();
    const error = await runFalkorRestore({ ...w.options, archive: join(w.root, 'missing.tar.gz') }, deps(w).deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    const changes = new Set(['stopContainer', 'startContainer', 'createContainer', 'removeContainer', 'putArchive', 'attachStdin']);
    expect(w.docker.calls.filter((c) => changes.has(c.method))).toEqual([]);
    // The archive's problem is what the user is told about, not the engine's.
    const down = await world();
    down.docker.failNext('listContainers', new PrerequisiteError('Docker engine unreachable'));
    const both = await runFalkorRestore({ ...down.options, archive: join(down.root, 'missing.tar.gz') }, deps(down).deps).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(UsageError);
  });

  it('--start starts services that were not running, and checks the data', async () => {
    const w = await world({ running: false });
    const result = await runFalkorRestore({ ...w.options, start: true }, deps(w).deps);
    expect(result).toMatchObject({ stopped: [], started: ['auto-codex-falkordb', 'auto-codex-graphiti-mcp'], health: { status: 'healthy', data: { keys: 3 } } });
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
  });

  it('another run holding the falkordb lock: exit 11 before anything is stopped', async () => {
    const w = await world();
    const lock = await acquireLock({ dir: join(w.root, 'locks'), target: 'falkordb', command: 'backup falkordb' });
    try {
      await expect(runFalkorRestore(w.options, deps(w).deps)).rejects.toBeInstanceOf(LockHeldError);
      expect(w.docker.callsTo('stopContainer')).toEqual([]);
    } finally {
      await lock.release();
    }
  });

  it('Ctrl-C while the restored server is checked: previous data moved back, services running, no partial safety copy, no journal, exit 130', async () => {
    const w = await world();
    const controller = new AbortController();
    const { deps: d } = deps(w, { signal: controller.signal });
    const connect = d.connect;
    let asks = 0;
    // The plan and the stop ask the server before; the third connection checks the restored data.
    d.connect = async (o) => {
      if (++asks === 3) controller.abort();
      return connect(o);
    };
    const error = (await runFalkorRestore(w.options, d).catch((e: unknown) => e)) as OpsError;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.message).toMatch(/^Restore interrupted while checking the services and the data[\s\S]*\nRolled back: /);
    expect(content(w)).toEqual(filesOf(CURRENT));
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
    expect(readdirSync(w.options.preRestoreDir).filter((n) => n.includes('pre_restore') || n.includes('journal'))).toEqual([]);
  });

  it('a folder of an earlier restore in the volume: refused before anything moves, services restarted, no journal', async () => {
    const w = await world();
    w.docker.addVolume({ name: VOLUME, files: { ...filesOf(CURRENT), '.falkordb_pre_restore_20200101_000000/dump.rdb': 'older' } });
    const error = (await runFalkorRestore(w.options, deps(w).deps).catch((e: unknown) => e)) as OpsError;
    expect(error.message).toContain('still holds the moved-aside data of an earlier restore');
    expect(content(w)).toEqual({ ...filesOf(CURRENT), '.falkordb_pre_restore_20200101_000000/dump.rdb': 'older' });
    expect(state(w, 'auto-codex-falkordb') && state(w, 'auto-codex-graphiti-mcp')).toBe(true);
    expect(await readJournal(w.options.journals, VOLUME)).toBeUndefined();
  });

  it('warns when the archive was made by another FalkorDB image', async () => {
    const w = await world();
    w.docker.containers.get(w.docker.container('auto-codex-falkordb').id)!.info = { ...w.docker.container('auto-codex-falkordb'), imageId: 'sha256:other', image: 'falkordb/falkordb:v5' };
    w.docker.images.set('sha256:other', { id: 'sha256:other', repoTags: [], repoDigests: [] });
    const result = await runFalkorRestore({ ...w.options, dryRun: true }, deps(w).deps);
    expect(result.warnings).toEqual([expect.stringMatching(/made by FalkorDB image falkordb\/falkordb:test .* runs falkordb\/falkordb:v5 .* may not load/)]);
  });
});
