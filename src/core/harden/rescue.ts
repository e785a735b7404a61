import { pipeline, Transform, type Writable } from 'node:stream';
import { looksLikeFalkorData } from '../archive/read-archive.js';
import { archiveDataCollector, readArchiveData, type TarEntryLike } from '../backup-store/archive-data.js';
import { storeBackup, type BackupDeps, type StoredBackup } from '../backup-store/store-backup.js';
import type { ContainerInfo, DockerApi } from '../docker/docker.js';
import { OpsError } from '../errors.js';
import type { ArchiveData } from '../falkordb/load-plan.js';
import { withCleanup } from '../run/cleanup.js';
import { quiesceForSave, readServerFacts, type BackupFalkor, type ServerFacts } from '../stack/falkordb-quiesce.js';

// The rescue: the data the server really writes (CONFIG GET dir, in the container's writable layer
// when the volume sits on /data) read through the engine's archive endpoint of the container itself,
// never from the volume, after a consistent snapshot (BGSAVE with AOF rewrites held off, as
// `backup falkordb --mode save`). The result is an ordinary verified backup whose manifest says
// where it came from; nothing else happens unless it holds what the live server holds.

/** A verified rescue: the backup and what the server said when it was taken. */
export interface Rescue {
  stored: StoredBackup;
  facts: ServerFacts;
  /** The key count the archive's dump.rdb states (its RESIZEDB hint). */
  archiveKeys: number;
  /** What FalkorDB data the archive holds (an encrypted one: read from its plaintext as it was written). */
  data: ArchiveData;
}

/** What rescueData needs. */
export interface RescueOptions {
  container: ContainerInfo;
  dataDir: string;
  outputDir: string;
  saveTimeoutMs: number;
  imageDigests: string[];
}

/**
 * rescueData snapshots the live server and archives `dataDir` from the container into
 * `falkordb_data_<stamp>.tar.gz` with sidecars and a manifest (`source.rescuedFrom: container-layer`).
 * It rejects (exit 1) when the copy holds no dump.rdb/appendonlydir or when the dump.rdb's own key
 * count differs from DBSIZE at the snapshot; the verified archive is kept in any case.
 */
export async function rescueData(docker: Pick<DockerApi, 'getArchive' | 'endpoint'>, client: BackupFalkor, options: RescueOptions, deps: BackupDeps): Promise<Rescue> {
  const { log, signal } = deps;
  return withCleanup(async (stack) => {
    const before = await readServerFacts(client);
    const saved = await quiesceForSave(client, stack, { appendonly: before.appendonly, timeoutMs: options.saveTimeoutMs, signal, log });
    const keys = await client.dbsize();
    const facts: ServerFacts = { ...before, keys, lastsave: saved.lastsave, lastsaveAt: new Date(saved.lastsave * 1000).toISOString() };
    log.info(`Rescuing ${options.dataDir} from inside container ${options.container.name} (${keys} keys).`);
    const raw = await docker.getArchive(options.container.id, `${options.dataDir}/.`, { signal });
    raw.once('end', () => void saved.resume().catch(() => undefined));
    // Encrypted, the archive cannot be read back here without the identity: its key count is taken
    // from the plaintext tar on its way to the encryptor (writeArchive's read-back then proves the
    // file decrypts to exactly those bytes).
    const counted = deps.encryption ? await countingTap() : undefined;
    const source = counted ? pipeline(raw, counted.tap, () => undefined) : raw;
    const c = options.container;
    const stored = await storeBackup({
      dir: options.outputDir,
      facts: {
        kind: 'falkordb',
        createdAt: deps.now(),
        host: deps.hostname,
        toolVersion: deps.toolVersion,
        mode: 'save',
        source: {
          rescuedFrom: 'container-layer',
          path: options.dataDir,
          engine: docker.endpoint,
          container: { id: c.id, name: c.name, image: c.image, imageId: c.imageId, imageDigests: options.imageDigests, running: c.running },
        },
        server: { ...facts },
        warnings: [`Rescued by harden falkordb from the writable layer of container ${c.name} (${options.dataDir}), where no volume was mounted.`],
      },
      source,
      // A rescue never prunes: older backups may be all there is besides it.
      policy: { keepMin: 1 },
      now: deps.now,
      log,
      signal,
      encryption: deps.encryption,
      inspect: (listing) => {
        if (looksLikeFalkorData(listing.entries)) return;
        throw new OpsError(`${options.dataDir} in container ${c.name} holds neither dump.rdb nor appendonlydir (${listing.entries.length} entries): there is nothing to rescue there; nothing was changed.`);
      },
    });
    await saved.resume();
    const data = counted ? await counted.result() : await readArchiveData(stored.written.path, signal);
    const archiveKeys = [...data.rdb.values()][0]?.keys;
    if (archiveKeys === undefined) {
      throw new OpsError(`The rescued backup ${stored.written.path} holds no dump.rdb whose key count could be read, so it cannot be checked against the live server's ${keys} keys: it is kept, but nothing else was changed.`, {
        hint: 'Run harden again; if it says this again, keep the container as it is (do not recreate it) and report it with the rescued backup.',
      });
    }
    if (archiveKeys !== keys) {
      throw new OpsError(`The rescued backup ${stored.written.path} holds ${archiveKeys} keys, the live server ${keys}: it is kept, but nothing else was changed.`, {
        hint: 'Something wrote to FalkorDB during the rescue; stop the app (and Graphiti MCP) and run harden again.',
      });
    }
    return { stored, facts, archiveKeys, data };
  });
}

/** countingTap passes a tar stream on unchanged and collects what FalkorDB data it holds (archive-data.ts). */
async function countingTap(): Promise<{ tap: Transform; result: () => Promise<ArchiveData> }> {
  const tar = await import('tar');
  const collector = archiveDataCollector();
  const parser = new tar.Parser({ onReadEntry: (e) => collector.onEntry(e as unknown as TarEntryLike) }) as unknown as Writable;
  const parsed = new Promise<void>((resolve, reject) => {
    parser.once('error', reject);
    parser.once('finish', resolve);
    parser.once('end', resolve);
  });
  parsed.catch(() => undefined);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      parser.write(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      parser.end();
      callback();
    },
  });
  return {
    tap,
    result: async () => {
      await parsed;
      return collector.result();
    },
  };
}
