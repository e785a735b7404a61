import type { AofCounts, AofManifestEntry } from './aof-summary.js';
import type { RdbSummary } from './rdb-summary.js';

// How a restored server will load what the archive holds (issue 23 §8). Redis and FalkorDB with
// `appendonly yes` load only the AOF at start-up and ignore dump.rdb; with `appendonly no` they load
// only dump.rdb. An archive of the other kind restored as it is starts an empty server, so the
// restore lays an RDB out as the base of a multi-part AOF (Redis 7: `<dir>/<file>.1.base.rdb` plus
// a manifest line `file <file>.1.base.rdb seq 1 type b`), or refuses before touching anything.

/** What the archive holds, as read while it was checked. */
export interface ArchiveData {
  /** Top-level RDB files by name (normally `dump.rdb`) and what their heads say. */
  rdb: Map<string, RdbSummary | undefined>;
  /** AOF folders by name (normally `appendonlydir`): manifest, base RDB head, command counts of the AOF files. */
  aofDirs: Map<string, { manifest?: AofManifestEntry[]; baseRdb?: RdbSummary; counts: AofCounts }>;
  /** Top-level single-file AOFs (Redis 6 and older: `appendonly.aof`). */
  legacyAof: Map<string, AofCounts>;
}

/** The persistence settings of the server the data goes to (`CONFIG GET`, or REDIS_ARGS). */
export interface ServerPersistence {
  appendonly: boolean;
  appenddirname: string;
  appendfilename: string;
  dbfilename: string;
}

/** What DBSIZE must say after start-up: exactly `keys`, or at least one key. */
export interface LoadExpectation {
  keys?: number;
  atLeastOne: boolean;
  /** Where the expectation comes from, for the error message. */
  source: string;
}

/** The decision: how the server loads the data, what to add to the volume, what to expect. */
export interface LoadPlan {
  how: 'rdb' | 'aof' | 'legacy-aof' | 'rdb-as-aof-base' | 'unknown-server';
  /** One line for the restore plan. */
  describe: string;
  /** For rdb-as-aof-base: hard-link `from` as `to` and write `manifest` (paths relative to the volume). */
  layout?: { from: string; to: string; manifestPath: string; manifest: string };
  expect: LoadExpectation;
  /** Set when the restore must not go ahead (exit 2, nothing touched). */
  refuse?: { message: string; hint: string };
  warnings: string[];
}

const aofExpectation = (counts: AofCounts, baseKeys: number | undefined, source: string): LoadExpectation => {
  // A base RDB followed by nothing is exact; writes after it (or after a flush) only promise "some keys".
  if (counts.commands === 0 && baseKeys !== undefined) return { keys: baseKeys, atLeastOne: baseKeys > 0, source };
  return { atLeastOne: counts.writesAfterFlush > 0 || (counts.flushes === 0 && (baseKeys ?? 0) > 0), source };
};

// Keys with an expiry that passed while the archive sat on disk are dropped at load: only the keys
// without one are a floor the server must reach.
const keyFloor = (summary: RdbSummary | undefined): number | undefined =>
  summary?.keys === undefined ? undefined : summary.keys - Math.min(summary.expiring ?? 0, summary.keys);

const rdbExpectation = (name: string, summary: RdbSummary | undefined): LoadExpectation => {
  const floor = keyFloor(summary);
  if (summary?.keys === undefined || floor === undefined) return { atLeastOne: true, source: `${name} is not empty` };
  const expiring = summary.keys - floor;
  const said = expiring > 0 ? `${summary.keys} keys (${expiring} with an expiry, which may have passed)` : `${summary.keys} keys`;
  return { keys: floor, atLeastOne: floor > 0, source: `${name} says it holds ${said}` };
};

/**
 * planLoad decides how `server` will load `data`. It never touches anything: the restore carries out
 * `layout` after extracting, and refuses (exit 2) when `refuse` is set unless forced.
 */
export function planLoad(data: ArchiveData, server: ServerPersistence | undefined): LoadPlan {
  const warnings: string[] = [];
  const [rdbName, rdbSummary] = [...data.rdb][0] ?? [];
  if (server === undefined) {
    const expect = rdbName !== undefined ? rdbExpectation(rdbName, rdbSummary) : { atLeastOne: data.aofDirs.size + data.legacyAof.size > 0, source: 'the archive holds AOF data' };
    return { how: 'unknown-server', describe: "the server's persistence settings are unknown: the files are restored as they are", expect: { ...expect, keys: undefined }, warnings };
  }
  const rdb = data.rdb.has(server.dbfilename) ? server.dbfilename : undefined;
  if (rdbName !== undefined && rdb === undefined) warnings.push(`The archive's ${[...data.rdb.keys()].join(', ')} is not the server's dbfilename (${server.dbfilename}).`);
  for (const dir of data.aofDirs.keys()) if (dir !== server.appenddirname) warnings.push(`The archive's ${dir}/ is not the server's appenddirname (${server.appenddirname}/): the server ignores it.`);
  const aofDir = data.aofDirs.get(server.appenddirname);
  const legacy = data.legacyAof.get(server.appendfilename);

  if (server.appendonly) {
    if (aofDir) {
      return { how: 'aof', describe: `the server runs with appendonly yes and loads ${server.appenddirname}/ from the archive`, expect: aofExpectation(aofDir.counts, keyFloor(aofDir.baseRdb), `${server.appenddirname}/ holds data`), warnings };
    }
    if (legacy) {
      return { how: 'legacy-aof', describe: `the server runs with appendonly yes and upgrades the archive's ${server.appendfilename} to ${server.appenddirname}/ as it loads it`, expect: aofExpectation(legacy, undefined, `${server.appendfilename} holds data`), warnings };
    }
    if (rdb !== undefined) {
      const to = `${server.appenddirname}/${server.appendfilename}.1.base.rdb`;
      return {
        how: 'rdb-as-aof-base',
        describe: `the server runs with appendonly yes, which ignores ${rdb}: it is laid out as the base of an AOF (${to}) so that the server loads it`,
        layout: { from: rdb, to, manifestPath: `${server.appenddirname}/${server.appendfilename}.manifest`, manifest: `file ${server.appendfilename}.1.base.rdb seq 1 type b\n` },
        expect: rdbExpectation(rdb, data.rdb.get(rdb)),
        warnings,
      };
    }
  } else {
    if (rdb !== undefined) {
      if (aofDir || legacy) warnings.push(`The server runs with appendonly no: it loads ${rdb} only and ignores the archive's AOF, which may hold newer writes.`);
      return { how: 'rdb', describe: `the server runs with appendonly no and loads ${rdb} from the archive`, expect: rdbExpectation(rdb, data.rdb.get(rdb)), warnings };
    }
    if (aofDir || legacy) {
      return {
        how: 'aof',
        describe: 'the archive holds only AOF data, which a server with appendonly no does not load',
        expect: { atLeastOne: false, source: 'nothing the server loads' },
        refuse: {
          message: `The archive holds only AOF data (${aofDir ? `${server.appenddirname}/` : server.appendfilename}) but the server runs with appendonly no: it would start empty.`,
          hint: 'Turn AOF on first (REDIS_ARGS="--appendonly yes ..." in the compose file, then restart), or restore an archive that holds dump.rdb.',
        },
        warnings,
      };
    }
  }
  return {
    how: server.appendonly ? 'aof' : 'rdb',
    describe: 'the archive holds no file this server loads',
    expect: { atLeastOne: false, source: 'nothing the server loads' },
    refuse: { message: `The archive holds neither ${server.dbfilename} nor ${server.appenddirname}/ (the files this server loads).`, hint: 'Check that this is a FalkorDB backup; --force restores it anyway.' },
    warnings,
  };
}

/**
 * loadProblem compares DBSIZE after start-up with the plan's expectation. Returns a sentence for the
 * error when the server loaded nothing or fewer keys than the archive holds, else undefined.
 */
export function loadProblem(keys: number, expect: LoadExpectation): string | undefined {
  if (expect.keys !== undefined && keys < expect.keys) return `the server holds ${keys} keys after start-up, but ${expect.source}`;
  if (expect.atLeastOne && keys === 0) return `the server holds no keys after start-up, but ${expect.source}: it did not load the restored data`;
  return undefined;
}
