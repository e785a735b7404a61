import { basename } from 'node:path';
import type { HelperContainer } from '../docker/helper-container.js';
import { createScriptHelper, runInVolume, runScriptHelper, type VolumeScript, type VolumeStreamDocker } from '../docker/volume-stream.js';
import { OpsError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { VolumeTarget } from '../stack/falkordb-volume.js';

// Issue 16: a restore that keeps the current data inside the volume instead of copying it out first.
// Not yet wired into run-falkordb-restore.ts: its journal (restore-journal.ts) must learn the
// moved-aside folder first (resume and undo); the sequence with it was measured at commit 054c24b.
// A helper renames every top-level entry into one hidden folder (instant, on the engine's disk;
// FalkorDB reads only its own files at the top of its data dir), the archive is extracted beside
// it, the services start, and only then is the folder written out as the portable
// falkordb_pre_restore_* archive and, once that archive is verified, deleted. Each script runs to
// its end inside the engine even if this process dies, so at every moment either the old data is
// complete (at the top, or in the folder) or the new data is at the top with the old in the folder.

const present = `{ [ -e "$e" ] || [ -L "$e" ]; }`;
// $1: the folder to create. Exit 4: a folder of an earlier restore is still there (it may hold the
// only copy of that restore's old data), so nothing is moved.
const MOVE_ASIDE_SCRIPT = [
  `for e in .falkordb_pre_restore_* .autocodex-ops-discard-*; do ${present} && exit 4; done`,
  'mkdir "$1" || exit 1',
  `for e in * .[!.]* ..?*; do [ "$e" = "$1" ] && continue; ${present} || continue; mv "$e" "$1"/ || exit 1; done`,
].join('\n');
// $1: the folder holding the old data, $2: where the new data goes before it is deleted. Exit 6:
// the folder is gone (nothing to move back; nothing is touched).
const MOVE_BACK_SCRIPT = [
  '[ -d "$1" ] || exit 6',
  'mkdir -p "$2" || exit 1',
  `for e in * .[!.]* ..?*; do case "$e" in "$1"|"$2") continue;; esac; ${present} || continue; mv "$e" "$2"/ || exit 1; done`,
  `for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do ${present} || continue; mv "$e" . || exit 1; done`,
  'rmdir "$1" && rm -rf "$2"',
].join('\n');
// $1: the folder. Undoes a moveAside that failed part way: what was moved goes back (never over a
// name that is at the top again: exit 7), then the folder goes. No folder: nothing to do.
const UNDO_ASIDE_SCRIPT = [
  '[ -d "$1" ] || exit 0',
  `for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do ${present} || continue; n="\${e#"$1"/}"; [ -e "$n" ] && exit 7; mv "$e" . || exit 1; done`,
  'rmdir "$1"',
].join('\n');
const REMOVE_SCRIPT = '[ -d "$1" ] || exit 6\nrm -rf "$1"';

/** moveAside's refusal: a folder of an earlier restore is in the volume; nothing was moved. */
export class AsideLeftoverError extends OpsError {}

/** The moved-aside data of one restore: a hidden folder at the top of the volume. */
export interface Aside {
  volume: string;
  /** The folder's name: the safety archive's, dot first (`.falkordb_pre_restore_<stamp>`). */
  folder: string;
  /** Where the new data goes while it is being undone. */
  discard: string;
}

/** asideFor names the folder after the safety archive it will become (`.falkordb_pre_restore_<stamp>`). Pure. */
export function asideFor(volume: string, safetyArchive: string): Aside {
  const stem = basename(safetyArchive).replace(/\.tar\.gz(\.age)?$/, '');
  return { volume, folder: `.${stem}`, discard: `.autocodex-ops-discard-${stem.replace(/^falkordb_pre_restore_/, '')}` };
}

const leftoverMessage = (aside: Aside) =>
  `Volume ${aside.volume} still holds the moved-aside data of an earlier restore (a .falkordb_pre_restore_* or .autocodex-ops-discard-* folder at its top); nothing was changed. Look at it first: it may hold the only copy of that restore's previous data.`;
const moveAsideScript = (aside: Aside): VolumeScript => ({ purpose: 'move-aside', what: 'Moving the current data aside', script: MOVE_ASIDE_SCRIPT, args: [aside.folder], codes: { 4: leftoverMessage(aside) } });

/**
 * prepareMoveAside creates (does not start) the helper moveAside runs in, so that its creation
 * overlaps the services' stop; the same helper then takes the archive (importVolume's `helper`).
 * The caller removes it. Rejects as createScriptHelper does (volume or image missing: exit 10).
 */
export async function prepareMoveAside(docker: VolumeStreamDocker, target: VolumeTarget, aside: Aside): Promise<HelperContainer> {
  return createScriptHelper(docker, { ...target, ...moveAsideScript(aside) });
}

/**
 * moveAside renames everything at the top of the volume (dotfiles included) into `aside.folder`,
 * in `helper` (from prepareMoveAside, kept) or a helper of its own (removed). Rejects with
 * AsideLeftoverError, touching nothing, when a folder of an earlier restore is still there; with
 * OpsError when a rename failed (some entries may have moved: see undoMoveAside).
 */
export async function moveAside(docker: VolumeStreamDocker, target: VolumeTarget, aside: Aside, helper?: HelperContainer): Promise<void> {
  // No AbortSignal: the renames take milliseconds and a Ctrl-C must not kill the helper half way;
  // the caller checks the signal right after.
  const options = { ...target, ...moveAsideScript(aside) };
  await (helper ? runScriptHelper(docker, helper, options) : runInVolume(docker, options)).catch((error: unknown) => {
    throw error instanceof OpsError && error.message === leftoverMessage(aside) ? new AsideLeftoverError(error.message) : error;
  });
}

/** undoMoveAside puts back what a failed moveAside had moved (ignoring any AbortSignal); nothing to do when it made no folder. */
export async function undoMoveAside(docker: VolumeStreamDocker, target: VolumeTarget, aside: Aside): Promise<void> {
  await runInVolume(docker, { ...target, purpose: 'move-back', what: 'Putting back what was moved aside', script: UNDO_ASIDE_SCRIPT, args: [aside.folder] });
}

/**
 * moveBack undoes moveAside: the new data goes into `aside.discard`, the old data back to the top,
 * then both folders go. It ignores any AbortSignal (it runs because of one).
 */
export async function moveBack(docker: VolumeStreamDocker, target: VolumeTarget, aside: Aside): Promise<void> {
  await runInVolume(docker, {
    ...target,
    purpose: 'move-back',
    what: 'Moving the previous data back',
    script: MOVE_BACK_SCRIPT,
    args: [aside.folder, aside.discard],
    codes: { 6: `The moved-aside folder ${aside.folder} is missing from volume ${aside.volume}: there is nothing to move back.` },
  });
}

/** removeAside deletes the moved-aside folder: only after its archive was written and verified. */
export async function removeAside(docker: VolumeStreamDocker, target: VolumeTarget, aside: Aside): Promise<void> {
  await runInVolume(docker, { ...target, purpose: 'remove-aside', what: `Removing ${aside.folder}`, script: REMOVE_SCRIPT, args: [aside.folder] });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** manualMoveBackCommand is the shell command that does moveBack by hand, then starts `start`. Pure. */
export function manualMoveBackCommand(aside: Aside, image: string, start: string[]): string {
  const run =
    `docker run --rm --network none --entrypoint sh -v ${quote(`${aside.volume}:/data`)} ${quote(image)} ` +
    `-c ${quote(`cd /data && { ${MOVE_BACK_SCRIPT}\n}`)} sh ${quote(aside.folder)} ${quote(aside.discard)}`;
  return start.length > 0 ? `${run} && docker start ${start.map(quote).join(' ')}` : run;
}

/** assertOutsideAside rejects an archive entry that would land inside the moved-aside folders (it would overwrite the old data). */
export function assertOutsideAside(entries: Iterable<string>, aside: Aside): void {
  for (const entry of entries) {
    const top = entry.replace(/^\.\//, '').split('/')[0];
    if (top === aside.folder || top === aside.discard) throw new OpsError(`The archive has an entry ${entry} inside the restore's own folder ${top}; nothing was changed.`, { exitCode: ExitCode.Usage });
  }
}
