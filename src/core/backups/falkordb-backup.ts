import type { BackupMode } from '../config/schema.js';
import { looksLikeFalkorData } from '../archive/read-archive.js';
import { OpsError } from '../errors.js';
import type { FalkorConnectOptions } from '../falkordb/falkordb.js';
import { withCleanup, type CleanupStack } from '../run/cleanup.js';
import { acquireLock } from '../run/lock.js';
import { storeWiring, toBackupResult, type BackupDeps, type BackupResult } from './backup-result.js';
import { listBackups } from '../backup-store/catalog.js';
import { describeStorage, locateFalkorData, openDataStream, type BackupDocker, type FalkorData, type LocateOptions } from '../stack/falkor-data.js';
import { quiesceForSave, readServerFacts, stopForBackup, type BackupFalkor, type ServerFacts } from '../stack/falkordb-quiesce.js';
import { readManifest } from '../backup-store/manifest.js';
import type { RetentionPolicy } from '../backup-store/prune.js';
import { storeBackup } from '../backup-store/store-backup.js';
import { MOUNT_TRAP_HINT } from '../stack/falkor-data.js';
import { describeInterrupted, finishCommands, readJournal, type JournalPlace } from '../backup-store/restore-journal.js';
import { removeHelperLeftovers } from '../docker/helper-container.js';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';

/** How `backup falkordb` runs. */
export interface FalkorBackupOptions extends Omit<LocateOptions, 'signal'> {
  mode: BackupMode;
  outputDir: string;
  policy: RetentionPolicy;
  waitSeconds: number;
  /** Limit for BGSAVE and the AOF-rewrite wait (default 300 s). */
  saveTimeoutSeconds: number;
  /** Docker's grace period before it kills a container being stopped (stop mode). */
  stopGraceSeconds: number;
  /** How to reach FalkorDB; the password only ever travels inside AUTH. */
  server: Omit<FalkorConnectOptions, 'signal' | 'log'>;
  /** Where restore journals are (the state folder, and PRE_RESTORE_BACKUP_DIR for earlier versions'); default: outputDir only. */
  journals?: JournalPlace;
}

/** The engine and server connections, opened on demand. */
export interface FalkorBackupDeps extends BackupDeps {
  docker: () => Promise<BackupDocker>;
  connect: (options: FalkorConnectOptions) => Promise<BackupFalkor>;
}

async function estimate(dir: string): Promise<number | undefined> {
  const [last] = await listBackups(dir, 'falkordb').catch(() => []);
  const manifest = last ? await readManifest(last.archive) : undefined;
  return manifest?.state === 'ok' ? manifest.manifest.archive.uncompressedBytes : undefined;
}

function checkMount(data: FalkorData, facts: ServerFacts | undefined, warnings: string[], log: BackupDeps['log']): void {
  const at = data.storage.kind === 'bind' || data.storage.from === 'mount' ? data.storage.destination : undefined;
  if (at && facts?.dataDir && facts.dataDir !== at) {
    warnings.push(`FalkorDB writes to ${facts.dataDir}, but the data storage is mounted at ${at}: the archive will probably hold no data.`);
    log.warn(warnings.at(-1)!);
  }
}

/** The server facts, the time of the snapshot and the mode's undo, once the data is quiet. */
async function quiesce(options: FalkorBackupOptions, deps: FalkorBackupDeps, docker: BackupDocker, data: FalkorData, stack: CleanupStack, warnings: string[]) {
  const { log, signal } = deps;
  let facts: ServerFacts | undefined;
  let resume: () => Promise<void> = async () => {};
  const running = data.falkordb?.running === true;
  let client: BackupFalkor | undefined;
  if (running) {
    client = await deps.connect({ ...options.server, signal, log });
    stack.defer('close the FalkorDB connection', () => client!.close());
    facts = await readServerFacts(client);
  } else {
    warnings.push(data.falkordb ? `FalkorDB (${data.falkordb.name}) is not running: the volume is archived as it was left when it stopped.` : 'No FalkorDB container was found: the volume is archived as it is.');
    log.warn(warnings.at(-1)!);
  }
  checkMount(data, facts, warnings, log);
  if (options.mode === 'save' && client && facts) {
    const saved = await quiesceForSave(client, stack, { appendonly: facts.appendonly, timeoutMs: options.saveTimeoutSeconds * 1000, signal, log });
    facts = { ...facts, keys: await client.dbsize(), lastsave: saved.lastsave, lastsaveAt: new Date(saved.lastsave * 1000).toISOString() };
    resume = saved.resume;
  } else if (options.mode === 'stop') {
    await client?.close();
    const stopped = await stopForBackup(docker, stack, { falkordbId: data.falkordb?.id, graphitiId: data.graphiti?.id, graceSeconds: options.stopGraceSeconds, signal, log });
    resume = stopped.resume;
  } else if (options.mode === 'live') {
    warnings.push('Live mode: FalkorDB keeps writing while its files are copied, so the archive may be inconsistent; use save (default) or stop mode.');
    log.warn(warnings.at(-1)!);
  }
  return { facts, resume };
}

/**
 * refuseInterruptedRestore stops a backup of a volume that an interrupted restore left half written
 * (its journal exists): archiving it as a good backup could, with --keep-last, push the real ones out.
 */
async function refuseInterruptedRestore(place: JournalPlace, volume: string): Promise<void> {
  const found = await readJournal(place, volume);
  if (!found) return;
  throw new OpsError(`Refusing to back up volume ${volume}: ${describeInterrupted(found)}. No archive was written.`, { hint: `First ${finishCommands(found)}.` });
}

/**
 * runFalkorBackup backs up FalkorDB's data volume: it takes the `falkordb` lock (exit 11),
 * finds the container and volume (exit 10 when the engine, the volume or the server is
 * unavailable, or the password is wrong; nothing is written then), quiesces per mode (save:
 * BGSAVE with AOF rewrites suspended; stop: stop FalkorDB and Graphiti MCP if they run; live:
 * nothing, with a warning), streams the volume through the Docker API into a verified archive
 * with sidecars and a manifest, and applies retention. The mode's undo (restart, AOF setting)
 * runs as soon as the files are read, and from the cleanup stack on failure and Ctrl-C (once
 * either way); cleanup failures are reported with the primary error. An archive with
 * neither dump.rdb nor appendonlydir is refused with the /data mount-trap hint (exit 1).
 */
export async function runFalkorBackup(options: FalkorBackupOptions, deps: FalkorBackupDeps): Promise<BackupResult> {
  const { log, signal } = deps;
  // Before the lock and before anything is stopped or streamed: a folder root may not write into (safe-output-dir.ts).
  assertSafeOutputDir(options.outputDir, 'the backup folder');
  const lock = await acquireLock({ dir: deps.lockDir, target: deps.locks?.falkordb ?? 'falkordb', command: 'backup falkordb', waitSeconds: options.waitSeconds, signal, log });
  return withCleanup(async (stack) => {
    stack.defer('release the falkordb lock', () => lock.release());
    const warnings: string[] = [];
    const docker = await deps.docker();
    const data = await locateFalkorData(docker, { ...options, signal });
    const leftovers = await removeHelperLeftovers(docker, { signal });
    if (leftovers.length > 0) log.warn(`Removed helper container(s) a killed run left behind: ${leftovers.join(', ')}`);
    if (data.storage.kind === 'volume') await refuseInterruptedRestore(options.journals ?? { dir: options.outputDir, engine: 'local', legacyDir: options.outputDir }, data.storage.name);
    log.info(`Mode: ${options.mode}; data: ${data.storage.kind === 'bind' ? data.storage.source : data.storage.name}; output: ${options.outputDir}.`);
    const { facts, resume } = await quiesce(options, deps, docker, data, stack, warnings);
    const startedAt = deps.now();
    if (deps.progress) deps.progress.start(await estimate(options.outputDir));
    stack.defer('stop the progress line', () => deps.progress?.stop());
    const source = await openDataStream(docker, data, signal);
    // Whatever ends the run, it ends after the helper is gone: its removal may still be running
    // when the archive fails late (destroy() starts it when the stream did not get to its end).
    stack.defer('wait for the helper container to be removed', () => {
      source.destroy();
      return source.helperRemoved().catch(() => undefined);
    });
    // Restart / restore the AOF setting the moment the files are read, not after compression and read-back.
    source.once('end', () => void resume().catch(() => undefined));
    const c = data.falkordb;
    const stored = await storeBackup({
      dir: options.outputDir,
      encryption: deps.encryption,
      facts: {
        kind: 'falkordb',
        createdAt: startedAt,
        host: deps.hostname,
        toolVersion: deps.toolVersion,
        mode: options.mode,
        source: {
          ...describeStorage(data.storage),
          engine: docker.endpoint,
          container: c ? { id: c.id, name: c.name, image: c.image, imageId: c.imageId, imageDigests: data.imageDigests, running: c.running, matchedBy: data.matchedBy } : null,
        },
        ...(facts ? { server: { ...facts } } : {}),
        warnings,
      },
      source,
      policy: options.policy,
      ...storeWiring(deps),
      inspect: (listing) => {
        if (looksLikeFalkorData(listing.entries)) return;
        throw new OpsError(`The data volume holds neither dump.rdb nor appendonlydir (${listing.entries.length} entries), so the backup would restore nothing; no archive was kept.`, { hint: MOUNT_TRAP_HINT });
      },
    });
    // The helper's removal ran alongside the archive's last writes; a helper left behind costs no
    // data (the next run removes it), so it is a warning about an archive that is good.
    await source.helperRemoved().catch((err: unknown) => {
      warnings.push(`The helper container that read the volume could not be removed (${(err as Error).message}); the next run removes it.`);
      log.warn(warnings.at(-1)!);
    });
    await resume().catch((err: unknown) => {
      throw new OpsError(`The backup ${stored.written.path} was written and verified, but putting FalkorDB back failed: ${(err as Error).message}`, {
        cause: err,
        hint: err instanceof OpsError ? err.hint : undefined,
      });
    });
    return toBackupResult(stored, { startedAt, finishedAt: deps.now(), mode: options.mode, warnings });
  });
}
