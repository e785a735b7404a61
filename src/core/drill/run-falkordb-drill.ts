import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { decryptionStages, type ArchiveKey } from '../archive/archive-encryption.js';
import { READ_CHUNK } from '../archive/read-archive.js';
import { archiveDataCollector, type TarEntryLike } from '../backup-store/archive-data.js';
import { checkRestoreArchive, type CheckedArchive } from '../backup-store/check-archive.js';
import { serverArg } from '../falkordb/server-args.js';
import { loadProblem, planLoad, type ArchiveData, type LoadPlan, type ServerPersistence } from '../falkordb/load-plan.js';
import { InterruptedError, OpsError, PrerequisiteError, UsageError } from '../errors.js';
import { systemClock, type Clock } from '../run/clock.js';
import { findStackContainers, type StackLocator } from '../stack/containers.js';
import type { ContainerInfo } from '../docker/docker.js';
import { DRILL_DATA, loadFailure, parseProbeOutput, probeTimings, type ProbeOutput } from './probe-script.js';
import { createScratch, removeLeftovers, type DrillDocker, type Scratch } from './scratch.js';

/** How `drill falkordb` runs. */
export interface FalkorDrillOptions {
  archive: string;
  timeoutSecs: number;
  keep: boolean;
  stack: StackLocator;
  /** Identities for an age-encrypted archive (AUTOCODEX_OPS_AGE_IDENTITY). */
  key?: ArchiveKey;
}

export interface DrillLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface FalkorDrillDeps {
  docker: () => Promise<DrillDocker>;
  log: DrillLog;
  signal?: AbortSignal;
  clock?: Clock;
}

/** The drill's verdict (`--json`). */
export interface FalkorDrillResult {
  kind: 'falkordb';
  archive: string;
  sha256: string;
  ok: boolean;
  /** The server's load only: from its start until it answers with `loading:0`. */
  loadMs?: number;
  /** The key/graph probe after the load (DBSIZE, modules, each graph's read-only query). */
  probeMs?: number;
  keys?: number;
  expectedKeys?: number;
  graphs?: Array<{ name: string; nodes?: number; error?: string }>;
  /** Why the graph probe did not run, when it did not. */
  graphProbe: 'ran' | string;
  problems: string[];
  warnings: string[];
  image: string;
  load: LoadPlan['how'];
  durationMs: number;
  /** With --keep: the scratch container and volume left behind. */
  kept?: { container: string; volume: string; image: string };
}

const PERSISTENCE = ['appendonly', 'appenddirname', 'appendfilename', 'dbfilename', 'aof-use-rdb-preamble', 'aof-load-truncated'] as const;

/** The live server's persistence options (never its password, port or bind) and the module's arguments. */
function liveArgs(live: ContainerInfo | undefined, data: { aof: boolean }): { persistence: ServerPersistence; serverArgs: string[]; moduleArgs: string } {
  const redisArgs = live?.env.get('REDIS_ARGS');
  const falkorArgs = live?.env.get('FALKORDB_ARGS');
  const serverArgs: string[] = [];
  const value = (name: string) => (live ? serverArg(redisArgs, falkorArgs, name)?.value : undefined);
  for (const name of PERSISTENCE) {
    const v = value(name);
    if (v !== undefined && /^[\w.-]+$/.test(v)) serverArgs.push(`--${name}`, v);
  }
  // Without a live container to copy, run the server the way the archive was made.
  const appendonly = live ? value('appendonly') === 'yes' : data.aof;
  if (!live) serverArgs.push('--appendonly', appendonly ? 'yes' : 'no');
  const moduleWords: string[] = [];
  for (const w of (falkorArgs ?? '').trim().split(/\s+/)) {
    if (w === '' || w.startsWith('--')) break;
    moduleWords.push(w);
  }
  return {
    persistence: { appendonly, appenddirname: value('appenddirname') ?? 'appendonlydir', appendfilename: value('appendfilename') ?? 'appendonly.aof', dbfilename: value('dbfilename') ?? 'dump.rdb' },
    serverArgs,
    moduleArgs: moduleWords.filter((w) => /^[\w.-]+$/.test(w)).join(' '),
  };
}

/** The image the live container runs, else the manifest's; never pulled (missing: exit 10). */
async function pickImage(docker: DrillDocker, live: ContainerInfo | undefined, checked: CheckedArchive, signal?: AbortSignal): Promise<string> {
  const manifestImage = (checked.manifest as { source?: { container?: { imageId?: string; image?: string } } } | undefined)?.source?.container;
  const candidates = [live?.imageId, live?.image, manifestImage?.imageId, manifestImage?.image].filter((c): c is string => typeof c === 'string' && c !== '');
  for (const ref of new Set(candidates)) if (await docker.inspectImage(ref, { signal })) return ref;
  throw new PrerequisiteError(candidates.length ? `The FalkorDB image is not present locally: ${[...new Set(candidates)].join(', ')}` : 'No FalkorDB image to drill with: no FalkorDB container was found and the archive has no manifest naming one', {
    hint: 'autocodex-ops never pulls images. Pull or load the FalkorDB image first (`docker image ls`).',
  });
}

/** Streams the archive into the scratch container, reading what it holds on the way; checks the bytes are the ones checked. */
async function extract(docker: DrillDocker, scratch: Scratch, checked: CheckedArchive, signal?: AbortSignal): Promise<ArchiveData> {
  const tar = await import('tar');
  const collector = archiveDataCollector();
  const parser = new tar.Parser({ onReadEntry: (e) => collector.onEntry(e as unknown as TarEntryLike) });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  const hash = createHash('sha256');
  const hashTap = new Transform({ transform: (chunk: Buffer, _e, cb) => (hash.update(chunk), cb(null, chunk)) });
  // The engine untars one copy of the stream, the parser reads the other.
  const toEngine = new PassThrough({ highWaterMark: 1024 * 1024 });
  const fork = new Writable({
    write(chunk: Buffer, _e, cb) {
      parser.write(chunk);
      if (toEngine.write(chunk)) cb();
      else toEngine.once('drain', () => cb());
    },
    final(cb) {
      parser.end();
      toEngine.end();
      cb();
    },
  });
  const put = docker.putArchive(scratch.containerId, DRILL_DATA, toEngine, { signal });
  const decrypt = decryptionStages(checked.path, checked.key).stages;
  const feed = pipeline([createReadStream(checked.path, { signal, highWaterMark: READ_CHUNK }), hashTap, ...decrypt, createGunzip({ chunkSize: 1024 * 1024 }), fork], { signal });
  try {
    await Promise.all([feed, put.then(() => toEngine.resume()), parsed]);
  } catch (error) {
    toEngine.destroy();
    if (signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw error instanceof OpsError ? error : new OpsError(`Extracting ${checked.path} into the scratch volume failed: ${(error as Error).message}`, { cause: error });
  }
  const actual = hash.digest('hex');
  if (actual !== checked.sha256) throw new OpsError(`The archive ${checked.path} changed after it was checked (sha256 ${actual}, checked ${checked.sha256}).`);
  return collector.result();
}

const SAFE_LAYOUT = /^[\w.\-/]+$/;

/** Starts the probe with the password (and layout) on its stdin and waits for it, bounded by the timeout. */
async function runProbe(docker: DrillDocker, scratch: Scratch, plan: LoadPlan, timeoutMs: number, clock: Clock, signal?: AbortSignal): Promise<{ probe: ProbeOutput; ms: number }> {
  const password = randomBytes(24).toString('hex');
  const layout = plan.layout && [plan.layout.from, plan.layout.to, plan.layout.manifestPath].every((p) => SAFE_LAYOUT.test(p)) ? plan.layout : undefined;
  const stdin = await docker.attachStdin(scratch.containerId, { signal });
  stdin.on('error', () => undefined);
  const timeout = AbortSignal.timeout(timeoutMs);
  const bounded = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const started = clock.now();
  await docker.startContainer(scratch.containerId, { signal });
  stdin.end(`${password}\n${layout ? `${layout.from} ${layout.to} ${layout.manifestPath}` : ''}\n${layout ? layout.manifest.trim() : ''}\n`);
  try {
    await docker.waitContainer(scratch.containerId, { signal: bounded });
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('Drill interrupted; the scratch container and volume are removed.', { cause: error });
    if (timeout.aborted) {
      const probe = parseProbeOutput(await docker.containerLogs(scratch.containerId, { tail: 200 }).catch(() => ''));
      return { probe: { ...probe, loaded: false, exited: undefined }, ms: -1 };
    }
    throw error;
  }
  const ms = Math.round(clock.now() - started);
  // The engine's timestamps on the script's marks split the load from the probe after it.
  const logs = await docker.containerLogs(scratch.containerId, { tail: 5000, timestamps: true });
  return { probe: parseProbeOutput(logs), ms };
}

/** What the manifest says the server held when the backup was made. */
function manifestExpectation(checked: CheckedArchive): { keys?: number; graphs?: string[]; lenient: boolean } {
  const m = checked.manifest as { server?: { keys?: unknown; graphs?: unknown }; mode?: unknown } | undefined;
  return {
    ...(typeof m?.server?.keys === 'number' ? { keys: m.server.keys } : {}),
    ...(Array.isArray(m?.server?.graphs) ? { graphs: m.server.graphs.map(String) } : {}),
    lenient: m?.mode === 'live',
  };
}

/**
 * runFalkorDrill proves that an archive loads, without touching the live service: every check of
 * `restore falkordb` (exit 2), then a scratch volume and a scratch container (no network, the live
 * server's image, module and persistence options, a fresh password never printed), the archive
 * extracted into it, the server started and waited for until it has loaded (bounded: exit 1 on
 * timeout), and what it holds compared with the manifest and with the archive's own RDB/AOF heads.
 * The scratch pair is removed always unless `keep`; leftovers of a killed drill are removed first.
 */
export async function runFalkorDrill(options: FalkorDrillOptions, deps: FalkorDrillDeps): Promise<FalkorDrillResult> {
  const { log, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const checked = await checkRestoreArchive(options.archive, { family: 'falkordb', force: false, signal, ...(options.key ? { key: options.key } : {}) });
  const docker = await deps.docker();
  const removed = await removeLeftovers(docker, signal);
  if (removed.length > 0) log.warn(`Removed what an earlier drill left behind: ${removed.join(', ')}`);
  const live = (await findStackContainers(docker, options.stack, signal)).falkordb;
  const image = await pickImage(docker, live, checked, signal);
  const aofInArchive = checked.listing.entries.some((e) => /^(\.\/)?[^/]+\/.+\.(aof|manifest)$/.test(e.path) || /^(\.\/)?[^/]+\.aof$/.test(e.path));
  const args = liveArgs(live, { aof: aofInArchive });
  const warnings = [...checked.warnings];
  if (!live) warnings.push(`No FalkorDB container was found: the drill ran ${image} with appendonly ${args.persistence.appendonly ? 'yes' : 'no'} (what the archive holds), not a copy of the live settings.`);
  const scratch = await createScratch(docker, image, args.moduleArgs, args.serverArgs, checked.path);
  let keep = false;
  try {
    log.info(`Scratch server ${scratch.name} (image ${image}, no network) created; extracting ${checked.path}`);
    const data = await extract(docker, scratch, checked, signal);
    const plan = planLoad(data, args.persistence);
    warnings.push(...plan.warnings);
    if (plan.refuse) throw new UsageError(`The archive ${checked.path} cannot be drilled: ${plan.refuse.message}`, { hint: plan.refuse.hint });
    log.info(`Loading: ${plan.describe}`);
    const { probe, ms } = await runProbe(docker, scratch, plan, options.timeoutSecs * 1000, clock, signal);
    const problems: string[] = [];
    const expected = manifestExpectation(checked);
    if (ms < 0) problems.push(`the server did not finish loading within ${options.timeoutSecs}s (--timeout)`);
    else if (!probe.loaded) {
      const why = loadFailure(probe.serverLog);
      // The server's own reason, not its start-up warnings (memory overcommit and the like).
      const last = probe.serverLog.filter((l) => /error|fatal|bad|can't|short|wrong|corrupt|unrecoverable/i.test(l) && !/WARNING/.test(l)).slice(-2).join(' | ') || probe.serverLog.slice(-1)[0] || 'no output';
      problems.push(`the data did not load${why ? `: ${why}` : ''} (server: ${last.slice(0, 300)})`);
    } else {
      if (probe.keys === undefined) problems.push('the server did not answer DBSIZE');
      else {
        if (expected.keys !== undefined && (expected.lenient ? probe.keys === 0 && expected.keys > 0 : probe.keys !== expected.keys)) problems.push(`key count ${probe.keys}, manifest ${expected.keys}`);
        const fromFiles = loadProblem(probe.keys, plan.expect);
        if (fromFiles) problems.push(fromFiles);
      }
      if (probe.graphs && expected.graphs) {
        const have = new Set(probe.graphs.map((g) => g.name));
        const missing = expected.graphs.filter((g) => !have.has(g));
        if (missing.length > 0) problems.push(`graphs missing: ${missing.join(', ')} (manifest: ${expected.graphs.join(', ')})`);
      }
      for (const g of probe.graphs ?? []) if (g.error) problems.push(`graph ${g.name}: the read-only query failed (${g.error})`);
    }
    const graphProbe = probe.graphs ? 'ran' : !probe.loaded ? 'not run: the data did not load' : `skipped: the server in ${image} has no GRAPH.* commands (no FalkorDB module loaded)${expected.graphs?.length ? `, so the manifest's graphs (${expected.graphs.join(', ')}) were not checked` : ''}`;
    keep = options.keep;
    // Without the engine's timestamps (never seen), the container's whole run bounds the load.
    const timings = ms >= 0 && probe.loaded ? { loadMs: ms, ...probeTimings(probe) } : {};
    return {
      kind: 'falkordb',
      archive: checked.path,
      sha256: checked.sha256,
      ok: problems.length === 0,
      ...timings,
      ...(probe.keys !== undefined ? { keys: probe.keys } : {}),
      ...(expected.keys !== undefined ? { expectedKeys: expected.keys } : plan.expect.keys !== undefined ? { expectedKeys: plan.expect.keys } : {}),
      ...(probe.graphs ? { graphs: probe.graphs } : {}),
      graphProbe,
      problems,
      warnings,
      image,
      load: plan.how,
      durationMs: Math.round(clock.now() - started),
      ...(keep ? { kept: { container: scratch.name, volume: scratch.volume, image } } : {}),
    };
  } finally {
    if (!keep) await scratch.remove();
  }
}
