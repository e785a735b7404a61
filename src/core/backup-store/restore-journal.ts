import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DIR_MODE, fsyncDir, tempPathFor } from '../fs/write-file-atomic.js';
import { OpsError } from '../errors.js';
import { engineClaim } from '../run/lock-claims.js';

// The restore journal (issue 23 §3). From just before a FalkorDB restore wipes its volume until the
// restored data is verified (or the safety copy is back), a small JSON file in the machine-wide state
// folder (opsStateDir), named for the engine and volume it protects, says which archive was going in, which safety copy holds the old data and which step was
// running. A `kill -9` or a power cut leaves it behind, and then `backup falkordb` refuses to
// archive the half-restored volume, the healthcheck fails `restore-interrupted`, and
// `restore falkordb --resume|--undo` finish or undo the restore. Every write is atomic (temporary
// file, fsync, rename, fsync of the folder): a reader sees one whole journal or the one before.
// The place does not depend on the run's root or PRE_RESTORE_BACKUP_DIR, so cron in one root and an
// operator in another both see it. Journals that earlier versions wrote beside the safety copies
// (PRE_RESTORE_BACKUP_DIR) are still found there, and move to the state folder on their next step.

/**
 * The steps of a restore once the journal is written, in order; the journal names the one that was
 * running. A restore that moves the current data aside (issue 16, `aside` set) runs moving-aside,
 * extracting, laying-out, starting, verifying, writing-safety-archive; one that archived it first
 * (journals of earlier versions) ran wiping, extracting, laying-out, starting, verifying.
 */
export const JOURNAL_STEPS = ['moving-aside', 'wiping', 'extracting', 'laying-out', 'starting', 'verifying', 'writing-safety-archive', 'rolling-back', 'rollback-failed'] as const;
export type JournalStep = (typeof JOURNAL_STEPS)[number];

/** What the journal records. */
export interface RestoreJournal {
  version: 1;
  command: 'restore falkordb';
  /** The Docker volume being replaced. */
  volume: string;
  /** `url`: the archive came from the offsite store (s3://…); --resume downloads it again when `path` is gone. */
  archive: { path: string; sha256: string; url?: string };
  /** The engine the volume is on (engineKey); journals of earlier versions have none. */
  engine?: string;
  /** The verified archive of the old data; with `aside`, where it will be written (sha256 '' until it is). */
  safetyCopy: { path: string; sha256: string };
  /** Issue 16: the old data was moved into this hidden folder at the top of the volume (falkordb-aside.ts). */
  aside?: { folder: string; discard: string };
  /** The local image helpers are made from (the manual command uses it). */
  helperImage: string;
  /** Containers that ran before the restore, in start order: --undo starts exactly these. */
  wereRunning: string[];
  /** Containers the restore starts afterwards (with --start: every one found). */
  toStart: string[];
  step: JournalStep;
  startedAt: string;
  updatedAt: string;
  host: string;
  pid: number;
}

/** Where the journals of this run's configuration are looked for and written. */
export interface JournalPlace {
  /** The machine-wide state folder (opsStateDir): every journal is written here. */
  dir: string;
  /** The engine the volume is on (engineKey): part of the journal's name. */
  engine: string;
  /** PRE_RESTORE_BACKUP_DIR: where earlier versions wrote journals; still read there. */
  legacyDir?: string;
}

const PREFIX = 'restore-falkordb-';
const SUFFIX = '.journal.json';
const LEGACY_PREFIX = '.autocodex-ops-restore-';

/**
 * journalPath is where the journal of a restore of `volume` on `place.engine` lives: in the state
 * folder, named readably for the volume and uniquely for engine and volume (a hash of both).
 */
export function journalPath(place: JournalPlace, volume: string): string {
  const slug = volume.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(-40);
  const hash = createHash('sha256').update(`${place.engine}\0${volume}`).digest('hex').slice(0, 12);
  return join(place.dir, `${PREFIX}${slug ? `${slug}-` : ''}${hash}${SUFFIX}`);
}

/** legacyJournalPath is where versions before the state folder wrote it: hidden, beside the safety copies. */
export function legacyJournalPath(dir: string, volume: string): string {
  return join(dir, `${LEGACY_PREFIX}${volume.replace(/[^\w.-]/g, '_')}${SUFFIX}`);
}

/** makeFolder creates `dir` and missing parents (0700), one level at a time: a recursive mkdir never returns on some file systems (procfs). */
async function makeFolder(dir: string): Promise<void> {
  const once = () => mkdir(dir, { mode: DIR_MODE }).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  try {
    await once();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await makeFolder(dirname(dir));
    await once();
  }
}

/**
 * writeJournal writes `journal` atomically at journalPath (a new file or over the previous one),
 * never following a link at the temporary name. Rejects with OpsError naming the path when the
 * folder cannot be written: a restore must not wipe anything it could not mark.
 */
export async function writeJournal(place: JournalPlace, journal: RestoreJournal): Promise<string> {
  const dir = place.dir;
  const path = journalPath(place, journal.volume);
  const temp = tempPathFor(path);
  try {
    // A restore writes its journal before the safety copy (issue 16): the folder may not exist yet.
    await makeFolder(dir);
    const fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(journal, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    await fsyncDir(dir);
  } catch (error) {
    await rm(temp, { force: true });
    throw new OpsError(`Cannot write the restore journal ${path}: ${(error as Error).message}`, { cause: error, hint: 'Nothing was moved or wiped. Make the state folder writable (root creates /var/lib/autocodex-ops; AUTOCODEX_OPS_STATE_DIR names another) and run the restore again.' });
  }
  // A journal of an earlier version moves here on its first step: the new one is durable first.
  if (place.legacyDir) await removeDurably(legacyJournalPath(place.legacyDir, journal.volume));
  return path;
}

/** Moves the journal to `step`: the same record, another step and time. */
export async function advanceJournal(place: JournalPlace, journal: RestoreJournal, step: JournalStep, now: Date): Promise<RestoreJournal> {
  const next = { ...journal, step, updatedAt: now.toISOString() };
  await writeJournal(place, next);
  return next;
}

async function removeDurably(path: string): Promise<void> {
  await rm(path, { force: true });
  await fsyncDir(dirname(path)).catch(() => undefined);
}

/** Removes the journal of `volume` (the restore is verified or undone), at both places, and makes the removal durable. */
export async function clearJournal(place: JournalPlace, volume: string): Promise<void> {
  await removeDurably(journalPath(place, volume));
  if (place.legacyDir) await removeDurably(legacyJournalPath(place.legacyDir, volume));
}

function parse(text: string, path: string): RestoreJournal {
  const value = JSON.parse(text) as Partial<RestoreJournal>;
  const ok =
    value.version === 1 &&
    typeof value.volume === 'string' &&
    typeof value.archive?.path === 'string' &&
    typeof value.archive.sha256 === 'string' &&
    typeof value.safetyCopy?.path === 'string' &&
    typeof value.safetyCopy.sha256 === 'string' &&
    typeof value.helperImage === 'string' &&
    Array.isArray(value.wereRunning) &&
    Array.isArray(value.toStart) &&
    (value.aside === undefined || (typeof value.aside.folder === 'string' && typeof value.aside.discard === 'string')) &&
    JOURNAL_STEPS.includes(value.step as JournalStep);
  if (!ok) throw new Error(`${path} is not a restore journal this version understands`);
  return value as RestoreJournal;
}

/** A journal found on disk, or one that is there but cannot be read (it still marks the volume: a backup refuses, the healthcheck fails; --resume/--undo do not act on it). */
export type FoundJournal = { path: string; journal: RestoreJournal } | { path: string; problem: string };

/**
 * readTrusted reads a journal without following a link (ELOOP), refusing anything but a regular
 * file. In the shared sticky folder any user may create a file of that name, so, as for locks
 * (lock-claims.ts), one owned by another user counts only when that user could have run the
 * restore (a user of the Docker engine); any other is ignored (undefined): a local user cannot
 * block root's backups with a forged journal, nor make root act on one.
 */
async function readTrusted(path: string, engine: string): Promise<FoundJournal | undefined> {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat();
    const me = process.geteuid?.() ?? st.uid;
    if (st.uid !== 0 && st.uid !== me && !(engineClaim(engine)?.allows(st.uid) ?? true)) return undefined;
    if (!st.isFile()) return { path, problem: 'it is not a regular file' };
    const text = await fh.readFile('utf8');
    try {
      return { path, journal: parse(text, path) };
    } catch (error) {
      return { path, problem: (error as Error).message };
    }
  } finally {
    await fh.close();
  }
}

async function readAt(path: string, engine: string): Promise<FoundJournal | undefined> {
  try {
    return await readTrusted(path, engine);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { path, problem: (error as Error).message };
  }
}

/** readJournal reads the journal of `volume`: in the state folder, else where earlier versions wrote it; undefined when there is none. Never follows a link. */
export async function readJournal(place: JournalPlace, volume: string): Promise<FoundJournal | undefined> {
  return (await readAt(journalPath(place, volume), place.engine)) ?? (place.legacyDir ? await readAt(legacyJournalPath(place.legacyDir, volume), place.engine) : undefined);
}

async function listIn(dir: string, prefix: string, engine: string): Promise<FoundJournal[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: FoundJournal[] = [];
  for (const name of names.filter((n) => n.startsWith(prefix) && n.endsWith(SUFFIX)).sort()) {
    const found = await readAt(join(dir, name), engine);
    if (found) out.push(found);
  }
  return out;
}

/** listJournals finds every restore journal in the state folder (every engine and volume) and at the earlier place (an unreadable folder: none). */
export async function listJournals(place: JournalPlace): Promise<FoundJournal[]> {
  return [...(await listIn(place.dir, PREFIX, place.engine)), ...(place.legacyDir ? await listIn(place.legacyDir, LEGACY_PREFIX, place.engine) : [])];
}

/** The commands that finish or undo an interrupted restore, for messages and the healthcheck. */
export function finishCommands(found: FoundJournal): string {
  if ('problem' in found) return `the journal ${found.path} cannot be read (${found.problem}); inspect it, then remove it by hand once the volume is good`;
  const j = found.journal;
  if (j.aside) {
    const finish = j.step === 'writing-safety-archive' ? `writes the archive ${j.safetyCopy.path} of the previous data and removes ${j.aside.folder}` : `restores ${j.archive.path} again beside the previous data`;
    if (j.step === 'rolling-back' || j.step === 'rollback-failed') return `undo it with \`autocodex-ops restore falkordb --undo\` (moves the previous data in ${j.aside.folder} back to the top of volume ${j.volume})`;
    return `finish it with \`autocodex-ops restore falkordb --resume\` (${finish}), or put the previous data back with \`autocodex-ops restore falkordb --undo\` (moves it from ${j.aside.folder} back to the top of volume ${j.volume}; no archive needed)`;
  }
  return `finish it with \`autocodex-ops restore falkordb --resume\` (restores ${j.archive.path} again), or put the safety copy ${j.safetyCopy.path} back with \`autocodex-ops restore falkordb --undo\``;
}

/** One sentence describing an interrupted restore. */
export function describeInterrupted(found: FoundJournal): string {
  if ('problem' in found) return `An interrupted FalkorDB restore left the journal ${found.path}`;
  const j = found.journal;
  if (j.aside) {
    const state =
      j.step === 'moving-aside'
        ? `the previous data is complete, at the top of the volume or in its folder ${j.aside.folder}`
        : j.step === 'writing-safety-archive'
          ? `the restored data was verified; the previous data is complete in the volume's folder ${j.aside.folder}, its archive ${j.safetyCopy.path} was being written`
          : `the volume's top may hold half a restore; the previous data is complete in its folder ${j.aside.folder} (its archive ${j.safetyCopy.path} is not written yet)`;
    return `A FalkorDB restore of ${j.archive.path} into volume ${j.volume} was interrupted while ${j.step} (started ${j.startedAt} by pid ${j.pid} on ${j.host}); ${state}`;
  }
  return `A FalkorDB restore of ${j.archive.path} into volume ${j.volume} was interrupted while ${j.step} (started ${j.startedAt} by pid ${j.pid} on ${j.host}); the volume may hold half a restore. The safety copy is ${j.safetyCopy.path}`;
}
