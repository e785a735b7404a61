import { PassThrough, type Readable, type Writable } from 'node:stream';
import { InterruptedError, OpsError, throwIfAborted } from '../errors.js';
import { requireVolume } from './data-volume.js';
import type { DockerApi } from './docker.js';
import { createHelper, HELPER_MOUNT, resolveHelperImage, type HelperContainer, type HelperPurpose } from './helper-container.js';

// Volume content moves through the archive endpoint (what `docker cp` uses) of a helper that is
// created but never started: the endpoint reads and writes the mounted volume of a stopped
// container (measured-facts.md), so no process runs and nothing is pulled. Only wiping needs a
// process, because the archive endpoint cannot delete.

/** The Docker calls the volume streams need. */
export type VolumeStreamDocker = Pick<
  DockerApi,
  'inspectVolume' | 'inspectImage' | 'createContainer' | 'removeContainer' | 'startContainer' | 'waitContainer' | 'containerLogs' | 'getArchive' | 'putArchive' | 'attachStdin'
>;

/** The volume to work on and the local images a helper may be made from, best first. */
export interface VolumeStreamOptions {
  volume: string;
  /** Candidate helper images, best first: the FalkorDB container's image id, then BACKUP_IMAGE. */
  helperImages: ReadonlyArray<string | undefined>;
  signal?: AbortSignal;
  /** Extra labels for the helper container (tests tag theirs). */
  labels?: Record<string, string>;
  /** Called when removing the helper fails after the caller stopped reading the export early. */
  onCleanupError?: (error: unknown) => void;
}

/** A folder at the top of the volume (one name, no `/`): exportVolume reads it as if it were the volume. */
export interface SubfolderOption {
  subfolder?: string;
}

// Constant script, no interpolation: the three globs cover plain names, dotfiles and `..x` names
// (the original restore's `rm -rf /data/*` left dotfiles behind), then prove the folder is empty.
const WIPE_SCRIPT = `rm -rf ${HELPER_MOUNT}/* ${HELPER_MOUNT}/.[!.]* ${HELPER_MOUNT}/..?* && [ -z "$(ls -A ${HELPER_MOUNT})" ]`;
/** The word an armed wipe helper waits for on stdin; anything else, or stdin closing, makes it exit 3 untouched. */
const GO = 'wipe';
const ARMED_WIPE_SCRIPT = `read -r go; [ "$go" = ${GO} ] || exit 3; ${WIPE_SCRIPT}`;

/** A volume's tar stream; `helperRemoved` settles once its helper container is gone. */
export interface VolumeExport extends Readable {
  /** Resolves once the helper is removed (its removal starts at the stream's end, or when it is closed early); rejects when that failed. */
  helperRemoved(): Promise<void>;
}

/**
 * exportVolume streams the volume's content as an uncompressed tar with `./`-relative entries,
 * dotfiles included. It rejects with PrerequisiteError when the volume or every helper image is
 * missing (creating neither). The stream ends as soon as the engine has sent the last byte; the
 * helper's removal (about 0.3 s of engine time) starts then, and the caller awaits
 * `helperRemoved()` before it reports, so it overlaps with whatever the caller still does with
 * the data. An engine failure destroys the stream with an OpsError, an abort with
 * InterruptedError (the helper is removed then too).
 */
export async function exportVolume(docker: VolumeStreamDocker, options: VolumeStreamOptions & SubfolderOption): Promise<VolumeExport> {
  if (options.subfolder !== undefined && !/^[A-Za-z0-9._-]+$/.test(options.subfolder)) throw new OpsError(`Not a folder name: ${options.subfolder}`);
  const helper = await prepare(docker, options, 'export');
  let source: Readable;
  try {
    source = await docker.getArchive(helper.id, `${HELPER_MOUNT}/${options.subfolder ? `${options.subfolder}/` : ''}.`, { signal: options.signal });
  } catch (error) {
    await helper.remove().catch(() => undefined);
    throw options.signal?.aborted ? new InterruptedError(undefined, { cause: error }) : error;
  }
  const out = new PassThrough();
  let settleRemoval!: (removal: Promise<void>) => void;
  const removed = new Promise<void>((resolve) => (settleRemoval = resolve));
  // A caller that stopped reading early may never ask; its failure is reported through onCleanupError.
  removed.catch(() => undefined);
  // Ctrl-C can destroy `out` before the caller has piped it anywhere; without a listener that
  // error would crash the process and skip the caller's cleanup (restarting stopped services).
  // Consumers still see the error: pipeline() and their own listeners get it, or a destroyed stream.
  out.on('error', () => undefined);
  let complete = false;
  const onAbort = () => out.destroy(new InterruptedError());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  source.on('error', (error) =>
    out.destroy(options.signal?.aborted ? new InterruptedError() : new OpsError(`Reading volume ${options.volume} failed: ${error.message}`, { cause: error })),
  );
  source.on('end', () => {
    complete = true;
    settleRemoval(helper.remove());
    out.end();
  });
  out.on('close', () => {
    options.signal?.removeEventListener('abort', onAbort);
    if (complete) return;
    source.destroy();
    const removal = helper.remove();
    removal.catch((error: unknown) => options.onCleanupError?.(error));
    settleRemoval(removal);
  });
  source.pipe(out, { end: false });
  return Object.assign(out, { helperRemoved: () => removed });
}

/**
 * importVolume extracts an uncompressed (or gzip) tar stream into the volume, overwriting files of
 * the same name and keeping others (wipe first for an exact copy). It rejects with PrerequisiteError
 * when the volume or helper image is missing, with the tar stream's own error when that stream
 * fails, with InterruptedError on abort; the helper container is removed in every case.
 */
export async function importVolume(docker: VolumeStreamDocker, options: VolumeStreamOptions & { tar: Readable; helper?: HelperContainer }): Promise<void> {
  // A helper of the caller's (created and already run, e.g. restore's move-aside) is reused and not removed here.
  const helper = options.helper ?? (await prepare(docker, options, 'import'));
  let tarError: unknown;
  const onTarError = (error: unknown) => (tarError ??= error);
  options.tar.once('error', onTarError);
  const onAbort = () => options.tar.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await docker.putArchive(helper.id, HELPER_MOUNT, options.tar, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw tarError ?? error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    options.tar.off('error', onTarError);
    if (!options.helper) await helper.remove();
  }
}

/**
 * wipeVolume deletes everything in the volume, dotfiles included, by running `sh -c 'rm -rf …'` in
 * a helper (the image needs sh, rm and ls). It rejects with PrerequisiteError when the volume or
 * helper image is missing, with OpsError when the helper exits non-zero (the volume may then be
 * partly wiped), with InterruptedError on abort; the helper container is removed in every case.
 */
export async function wipeVolume(docker: VolumeStreamDocker, options: VolumeStreamOptions): Promise<void> {
  const helper = await prepare(docker, options, 'wipe', ['sh', '-c'], [WIPE_SCRIPT]);
  try {
    await docker.startContainer(helper.id, { signal: options.signal });
    await awaitWipe(docker, helper, options);
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw error;
  } finally {
    await helper.remove();
  }
}

/**
 * runScriptInVolume runs a constant `sh -c script` in a helper with the volume at HELPER_MOUNT as
 * its working folder, `args` as $1… (never interpolated into the script). Rejects with OpsError
 * naming `what` when it exits non-zero, InterruptedError on abort; the helper is removed always.
 */
export async function runScriptInVolume(docker: VolumeStreamDocker, options: VolumeStreamOptions & { what: string; script: string; args: string[] }): Promise<void> {
  const helper = await prepare(docker, options, 'import', ['sh', '-c'], [`cd ${HELPER_MOUNT} && ${options.script}`, 'autocodex-ops', ...options.args]);
  try {
    await docker.startContainer(helper.id, { signal: options.signal });
    const { statusCode } = await docker.waitContainer(helper.id, { signal: options.signal });
    if (statusCode !== 0) {
      const logs = await docker.containerLogs(helper.id, { tail: 20 }).catch(() => '');
      throw new OpsError(`${options.what} in volume ${options.volume} failed (helper exited with ${statusCode})${logs.trim() ? `: ${logs.trim()}` : ''}`);
    }
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw error;
  } finally {
    await helper.remove();
  }
}

/** A wipe helper already started, blocked on its stdin: it deletes nothing until `go`. */
export interface ArmedWipe {
  /** Lets the helper wipe and waits for it; rejects as wipeVolume does. The helper is removed either way. */
  go(signal?: AbortSignal): Promise<void>;
  /** Removes the helper (killing it while it waits): nothing is wiped. Safe to call twice, and after go. */
  cancel(): Promise<void>;
}

/**
 * armWipe creates and starts a wipe helper that waits for a word on its stdin before it deletes
 * anything, so a restore pays the container's start-up while the safety copy is still being
 * written, and the wipe itself starts the moment the copy is verified. If this process dies
 * meanwhile, the engine closes the helper's stdin and it exits without touching the volume.
 * Rejects as wipeVolume does when the volume or helper image is missing; the signal only covers arming.
 */
export async function armWipe(docker: VolumeStreamDocker, options: VolumeStreamOptions): Promise<ArmedWipe> {
  const helper = await prepare(docker, options, 'wipe', ['sh', '-c'], [ARMED_WIPE_SCRIPT], true);
  let stdin: Writable | undefined;
  try {
    stdin = await docker.attachStdin(helper.id, { signal: options.signal });
    stdin.on('error', () => undefined);
    await docker.startContainer(helper.id, { signal: options.signal });
  } catch (error) {
    stdin?.destroy();
    await helper.remove().catch(() => undefined);
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw error;
  }
  const attached = stdin;
  return {
    go: async (signal) => {
      try {
        throwIfAborted(signal);
        attached.end(`${GO}\n`);
        await awaitWipe(docker, helper, { ...options, signal });
      } catch (error) {
        if (signal?.aborted) throw new InterruptedError(undefined, { cause: error });
        throw error;
      } finally {
        attached.destroy();
        await helper.remove();
      }
    },
    cancel: async () => {
      attached.destroy();
      await helper.remove();
    },
  };
}

/** A script for a helper: `sh -c <script> sh <args…>` run in HELPER_MOUNT, and how its failures read. */
export interface VolumeScript {
  purpose: HelperPurpose;
  /** What the script does, for error messages ("Moving the current data aside"). */
  what: string;
  script: string;
  args: string[];
  /** Messages of their own for some exit codes. */
  codes?: Record<number, string>;
}

/**
 * createScriptHelper creates (does not start) a helper that will run `script`; the restore creates
 * it while the services stop and reuses it for the import (importVolume's `helper`).
 */
export async function createScriptHelper(docker: VolumeStreamDocker, options: VolumeStreamOptions & VolumeScript): Promise<HelperContainer> {
  return prepare(docker, options, options.purpose, ['sh', '-c'], [`cd ${HELPER_MOUNT} && { ${options.script}\n}`, 'sh', ...options.args]);
}

/**
 * runScriptHelper starts a helper made by createScriptHelper and waits for its script; rejects with
 * OpsError naming `what` and the helper's last log lines on a non-zero exit (or the message `codes`
 * gives), InterruptedError on abort. It does not remove the helper.
 */
export async function runScriptHelper(docker: VolumeStreamDocker, helper: HelperContainer, options: VolumeStreamOptions & VolumeScript): Promise<void> {
  try {
    await docker.startContainer(helper.id, { signal: options.signal });
    const { statusCode } = await docker.waitContainer(helper.id, { signal: options.signal });
    if (statusCode === 0) return;
    const logs = await docker.containerLogs(helper.id, { tail: 20 }).catch(() => '');
    throw new OpsError(options.codes?.[statusCode] ?? `${options.what} in volume ${options.volume} failed (helper exited with ${statusCode})${logs.trim() ? `: ${logs.trim()}` : ''}`);
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError(undefined, { cause: error });
    throw error;
  }
}

/**
 * runInVolume runs a script (createScriptHelper, runScriptHelper) as root in a helper mounting the
 * volume at HELPER_MOUNT and removes the helper. Rejects as runScriptHelper does, with
 * PrerequisiteError when the volume or image is missing. If this process dies meanwhile the
 * script still runs to its end.
 */
export async function runInVolume(docker: VolumeStreamDocker, options: VolumeStreamOptions & VolumeScript): Promise<void> {
  const helper = await createScriptHelper(docker, options);
  try {
    await runScriptHelper(docker, helper, options);
  } finally {
    await helper.remove();
  }
}

async function awaitWipe(docker: VolumeStreamDocker, helper: HelperContainer, options: VolumeStreamOptions): Promise<void> {
  const { statusCode } = await docker.waitContainer(helper.id, { signal: options.signal });
  if (statusCode === 0) return;
  const logs = await docker.containerLogs(helper.id, { tail: 20 }).catch(() => '');
  throw new OpsError(`Wiping volume ${options.volume} failed (helper exited with ${statusCode})${logs.trim() ? `: ${logs.trim()}` : ''}`, {
    hint: `The volume may be partly wiped; inspect it with a container that mounts ${options.volume}.`,
  });
}

async function prepare(
  docker: VolumeStreamDocker,
  options: VolumeStreamOptions,
  purpose: HelperPurpose,
  entrypoint: string[] = ['sh', '-c'],
  cmd: string[] = ['exit 0'],
  openStdin = false,
): Promise<HelperContainer> {
  throwIfAborted(options.signal);
  // Checked first because creating a container with a missing volume would create it, empty.
  await requireVolume(docker, options.volume, { signal: options.signal });
  const image = await resolveHelperImage(docker, options.helperImages, { signal: options.signal });
  throwIfAborted(options.signal);
  const helper = await createHelper(docker, {
    image,
    volume: options.volume,
    purpose,
    readOnly: purpose === 'export',
    entrypoint,
    cmd,
    labels: options.labels,
    openStdin,
  });
  if (options.signal?.aborted) {
    await helper.remove();
    throw new InterruptedError();
  }
  return helper;
}
