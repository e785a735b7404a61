import type { BackupDeps } from '../backup-store/store-backup.js';
import type { ContainerInfo, DockerApi } from '../docker/docker.js';
import { FALKORDB_DATA_PATH } from '../docker/data-volume.js';
import { resolveHelperImage } from '../docker/helper-container.js';
import { DeclinedError, InterruptedError, OpsError, PrerequisiteError, UsageError } from '../errors.js';
import type { FalkorClient, FalkorConnectOptions } from '../falkordb/falkordb.js';
import { systemClock, type Clock } from '../run/clock.js';
import { acquireLock } from '../run/lock.js';
import type { StackLocator } from '../stack/containers.js';
import { checkServerData } from '../stack/falkordb-verify.js';
import { replaceVolumeContent, takeSafetyCopy } from '../stack/falkordb-volume.js';
import { archivePath } from '../backup-store/naming.js';
import type { ArchiveKey } from '../archive/archive-encryption.js';
import { layOutForLoad } from '../stack/falkordb-layout.js';
import { planLoad } from '../falkordb/load-plan.js';
import { stampOf } from './stamp.js';
import { PRE_HARDEN_IMAGE_ID_LABEL, PRE_HARDEN_IMAGE_LABEL, PRE_HARDEN_LABEL, PRE_HARDEN_PROJECT_LABEL, PRE_HARDEN_REPO } from './cleanup.js';
import { assess, findFalkorContainer, type Assessment, type Finding } from './assess.js';
import { applyEnvEdit, applyFileEdit, planEnvEdits, undoEnvEdit, type EnvEdit } from './env-edits.js';
import { planComposeEdits } from './compose-edits.js';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertSafeOutputDir } from '../fs/safe-output-dir.js';
import { describeInterrupted, finishCommands, readJournal as readRestoreJournal, type JournalPlace } from '../backup-store/restore-journal.js';
import { exists } from '../fs/exists.js';
import { imageTag } from '../stack/image-tags.js';
import { clearJournal, journalPath, readJournal, writeJournal, type HardenJournal } from './journal.js';
import type { DoneEdit } from './env-edits.js';
import { rescueData, type Rescue } from './rescue.js';
import { addKept, keptPath } from './kept.js';
import { hardenedArgs } from './server-args.js';

/** How `harden falkordb` runs; names and the server address come from the configuration. */
export interface HardenOptions {
  root: string;
  dryRun: boolean;
  keepOld: boolean;
  /** Where the password of the hardened server comes from; `value` for existing/env. */
  password: { source: 'existing' | 'env' | 'generate'; value?: string };
  outputDir: string;
  /** PRE_RESTORE_BACKUP_DIR: where the volume's content before harden is archived (falkordb_pre_restore_*). */
  preRestoreDir: string;
  healthTimeoutSecs: number;
  saveTimeoutSecs: number;
  stopGraceSeconds: number;
  locator: StackLocator;
  /** How to reach the live server now (the old password, if any). */
  server: Omit<FalkorConnectOptions, 'signal' | 'log'>;
  /** REDIS_ARGS / FALKORDB_ARGS from the configuration (the Desktop UI starts FalkorDB with them). */
  args: { redisArgs?: string; falkordbArgs?: string };
  /** FALKORDB_VOLUME: the volume when no volume is mounted at all. */
  configuredVolume: string;
  /** Where restore journals are (an interrupted restore of the volume makes harden refuse). */
  journals?: JournalPlace;
}

/** The engine calls harden makes. */
export type HardenDocker = Pick<
  DockerApi,
  | 'endpoint'
  | 'ping'
  | 'listContainers'
  | 'inspectContainer'
  | 'inspectImage'
  | 'inspectVolume'
  | 'volumeSize'
  | 'createVolume'
  | 'stopContainer'
  | 'startContainer'
  | 'renameContainer'
  | 'createServiceContainer'
  | 'removeContainer'
  | 'getArchive'
  | 'putArchive'
  | 'createContainer'
  | 'waitContainer'
  | 'attachStdin'
  | 'containerLogs'
  | 'inspectContainerRaw'
  | 'commitContainer'
  | 'createContainerLike'
>;

/** What harden needs beyond what every backup needs. */
export interface HardenDeps extends BackupDeps {
  docker: () => Promise<HardenDocker>;
  connect: (options: FalkorConnectOptions) => Promise<FalkorClient>;
  /** Whether the server at `options` refuses an unauthenticated PING. */
  probeAuth: (options: FalkorConnectOptions) => Promise<boolean>;
  confirm: (plan: HardenPlan) => Promise<boolean>;
  generatePassword: () => string;
  /** Registers a new secret with the run's redactor before it can reach any output. */
  addSecret: (value: string) => void;
  error: (msg: string) => void;
  /**
   * The compose CLI of this machine for `project` in the root (a compose-managed container): its
   * description (`docker-compose 1.29.2`) and `up -d <service>`. Rejects (PrerequisiteError) when
   * there is no CLI or compose file; asked while planning, before anything changes. Absent: no wiring.
   */
  compose?: (project: string) => Promise<{ describe: string; up: (service: string) => Promise<void> }>;
  clock?: Clock;
}

/** What harden will do, shown before it asks. */
export interface HardenPlan {
  container: string;
  managedBy: 'compose' | 'ui';
  findings: Finding[];
  steps: string[];
  /** What happens on a failure or Ctrl-C once something has changed. */
  onFailure: string;
  /**
   * The volume harden replaces holds more than the image's own few bytes (an older FalkorDB may
   * have written a graph to /data): archived here, verified, before anything changes.
   */
  volumeCopy?: { volume: string; bytes?: number; path: string };
  warnings: string[];
}

/** What a run did. */
export interface HardenResult {
  status: 'hardened' | 'already-hardened' | 'not-trapped' | 'rescued-only' | 'dry-run';
  plan?: HardenPlan;
  container?: string;
  rescuedBackup?: string;
  keys?: number;
  /** The old container, stopped and renamed: the way back until `harden --cleanup`. */
  oldContainer?: string;
  /** compose: the old container committed as an image (its data included), the way back. */
  oldImage?: string;
  volume?: string;
  /** The volume's content from before harden (falkordb_pre_restore_*), verified; kept. */
  volumeCopy?: string;
  image?: string;
  /** A previous run that was killed midway and undone first. */
  undidPrevious?: string;
  editedFiles: string[];
  nextSteps: string[];
  warnings: string[];
}

const PORT = 6379;
/** Label of a container harden created (its value: when). */
export const HARDENED_LABEL = 'autocodex-ops.hardened';

/**
 * withOriginalImage labels the old container's configuration, before an undo creates it again from
 * the image its layer was committed to, with the image it ran (kept when it already carries them).
 */
function withOriginalImage(raw: Record<string, unknown>): Record<string, unknown> {
  const config = (raw.Config ?? {}) as { Image?: string; Labels?: Record<string, string> };
  const labels = { ...config.Labels };
  if (!labels[PRE_HARDEN_IMAGE_LABEL] && config.Image && typeof raw.Image === 'string') {
    labels[PRE_HARDEN_IMAGE_LABEL] = config.Image;
    labels[PRE_HARDEN_IMAGE_ID_LABEL] = raw.Image;
  }
  return { ...raw, Config: { ...config, Labels: labels } };
}

/** The image a container stands for: the one it ran before harden's undo re-created it from a commit, else its own. */
function originalImage(c: ContainerInfo): { image: string; imageId: string } {
  const image = c.labels[PRE_HARDEN_IMAGE_LABEL];
  const imageId = c.labels[PRE_HARDEN_IMAGE_ID_LABEL];
  return image && imageId ? { image, imageId } : { image: c.image, imageId: c.imageId };
}

/** pinnedImage: the running image's tag, else its digest, else its id; never `latest`. */
function pinnedImage(c: { image: string; imageId: string }, digests: string[]): string {
  const ref = c.image;
  const tagged = !ref.includes('@') && !ref.startsWith('sha256:') && /:[^/]+$/.test(ref) && !ref.endsWith(':latest');
  if (tagged || ref.includes('@')) return ref;
  return digests[0] ?? c.imageId;
}

/**
 * undoJournal puts back what a run recorded: removes the new container, restores the edited
 * files from their .bak, puts the volume's archived content back (`key` opens an encrypted one),
 * renames the old container back and starts it. It ignores the run's
 * AbortSignal (it is the cleanup) and tries every step; rejects with OpsError naming what failed.
 */
export async function undoJournal(docker: HardenDocker, journal: HardenJournal, key?: ArchiveKey): Promise<void> {
  const problems: string[] = [];
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  if (journal.newId) await attempt('removing the new container', () => docker.removeContainer(journal.newId!, { force: true, anonymousVolumes: true }));
  // Killed between creating the new container and journaling it: it holds the old name.
  await attempt('removing a half-made new container', async () => {
    const holder = await docker.inspectContainer(journal.old.name);
    if (holder && holder.id !== journal.old.id && (holder.labels[HARDENED_LABEL] || (journal.committed && holder.labels['com.docker.compose.project']))) await docker.removeContainer(holder.id, { force: true, anonymousVolumes: true });
  });
  for (const edit of [...journal.edits].reverse()) await attempt(`putting ${edit.path} back`, () => undoEnvEdit(edit));
  // Before the old container starts again: its /data is as it was (the archive holds the whole volume).
  const copy = journal.volumeCopy;
  if (copy) await attempt(`putting the content of volume ${copy.volume} back from ${copy.path}`, () => replaceVolumeContent(docker, { volume: copy.volume, helperImages: copy.helperImages }, { path: copy.path, sha256: copy.sha256, key }));
  await attempt(`putting container ${journal.old.name} back`, async () => {
    let old = await docker.inspectContainer(journal.old.id);
    if (!old && journal.committed && journal.raw) {
      // compose removed it when it created the new one: the committed image holds its layer, data included.
      const id = await docker.createContainerLike(journal.old.name, withOriginalImage(journal.raw), journal.committed);
      journal.old.id = id;
      old = await docker.inspectContainer(id);
    }
    if (!old) throw new Error('it no longer exists');
    if (old.name !== journal.old.name) await docker.renameContainer(journal.old.id, journal.old.name);
    await docker.startContainer(journal.old.id);
  });
  if (problems.length > 0) {
    throw new OpsError(`Putting the old FalkorDB back failed: ${problems.join('; ')}.`, {
      hint: journal.committed
        ? `By hand: copy each .bak over its file, then docker rm -f ${journal.old.name}; ${copy ? `put ${copy.path} back into volume ${copy.volume}; ` : ''}docker run the old service from the image ${journal.committed} (its data is in that image), or restore the rescued backup ${journal.rescued}.`
        : `By hand: docker rm -f ${journal.old.name}; ${copy ? `put ${copy.path} back into volume ${copy.volume} (it is its content from before harden); ` : ''}docker rename ${journal.old.renamedTo} ${journal.old.name}; docker start ${journal.old.name}; copy each .env.bak over its .env. The rescued backup is ${journal.rescued}.`,
    });
  }
}

/** How a compose-managed container is hardened: the file, its new bytes, what changes, the .env values. */
interface ComposeSwap {
  file: string;
  bytes: Buffer;
  changes: string[];
  project: string;
  values: Record<string, string>;
  cli: { describe: string; up: (service: string) => Promise<void> };
}

/** The plan's statement of the volume copy: what is archived where, and that the undo puts it back. */
function volumeCopyStep(c: NonNullable<HardenPlan['volumeCopy']>): string {
  const size = c.bytes === undefined ? 'the engine cannot tell its size' : `${c.bytes} bytes`;
  return `archive the current content of volume ${c.volume} (${size}; perhaps the graph of an older FalkorDB that wrote to /data) into ${c.path}, read back and verified, before anything changes; harden replaces that content, and any failure or Ctrl-C puts it back`;
}

function planSteps(a: Assessment, o: { encrypted: boolean; volume: string; image: string; edits: EnvEdit[]; outputDir: string; renamedTo: string; committed: string; passwordSource: string; hostPort?: number; compose?: ComposeSwap; composeRefused?: string; volumeCopy?: HardenPlan['volumeCopy']; keepOld: boolean }): string[] {
  const rescue = `rescue ${a.dataDir} from inside ${a.container.name} into a verified backup in ${o.outputDir}${o.encrypted ? ', encrypted with age' : ''} (BGSAVE first; the key count must match the live server, else nothing else happens)`;
  const edits = o.edits.map((e) => `${e.creates ? 'create' : 'edit'} ${e.path}: set ${e.keys.join(', ')} (${o.passwordSource}; a .bak of the old file beside it)`);
  const copy = o.volumeCopy ? [volumeCopyStep(o.volumeCopy)] : [];
  const check = 'wait until it answers with the password, and check its key count and graphs against the rescued backup, auth, AOF and its data dir';
  if (a.managedBy === 'compose' && !o.compose) {
    return [rescue, `stop there: ${o.composeRefused ?? 'no compose file to edit'}; the result lists the steps to finish by hand`];
  }
  if (o.compose) {
    return [
      rescue,
      ...copy,
      `stop ${a.container.name} and commit it as the image ${o.committed} (the way back: compose removes the container itself when it recreates the service${o.keepOld ? '; kept for good, --keep-old: recorded so that `harden --cleanup` leaves it' : ''})`,
      `edit ${o.compose.file} (a .bak beside it): ${o.compose.changes.join('; ')}`,
      ...edits,
      `up -d ${a.container.labels['com.docker.compose.service'] ?? 'falkordb'} with ${o.compose.cli.describe}: compose creates the container again, with the volume at ${FALKORDB_DATA_PATH}`,
      `stop it, put the rescued backup into its volume, start it; ${check}`,
    ];
  }
  return [
    rescue,
    ...copy,
    `stop ${a.container.name} and rename it to ${o.renamedTo} (the way back; ${o.keepOld ? 'kept for good, --keep-old: recorded so that `harden --cleanup` leaves it' : 'removed only by `harden falkordb --cleanup`'})`,
    ...edits,
    `put the rescued backup into volume ${o.volume}`,
    `create ${a.container.name} as the Desktop UI would, with the volume at ${FALKORDB_DATA_PATH}: image ${o.image}, --restart unless-stopped, port 127.0.0.1:${o.hostPort ?? '?'}:${PORT}, REDIS_ARGS --appendonly yes --requirepass ***`,
    `start it, ${check}`,
  ];
}

/** The compose file compose would read in the root (its own lookup order). */
async function composeFileIn(root: string): Promise<string | undefined> {
  for (const name of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']) if (await exists(join(root, name))) return join(root, name);
  return undefined;
}

/** planComposeSwap reads the compose file and decides the edits; a string says why it cannot. */
async function planComposeSwap(root: string, a: Assessment, pinned: string, password: string, compose: HardenDeps['compose']): Promise<ComposeSwap | string> {
  if (!compose) return 'no compose CLI is wired for this run';
  const project = a.container.labels['com.docker.compose.project']!;
  let cli: ComposeSwap['cli'];
  try {
    cli = await compose(project);
  } catch (error) {
    return `compose cannot be run here: ${(error as Error).message}`;
  }
  const file = await composeFileIn(root);
  if (!file) return `there is no compose file in ${root}`;
  const planned = planComposeEdits(await readFile(file), { dataDir: FALKORDB_DATA_PATH, pinned, service: a.container.labels['com.docker.compose.service'] ?? 'falkordb' });
  if (!planned.ok) return `${file} is not one harden can edit safely: ${planned.reason} (compose/docker-compose.yml of autocodex-ops shows a hardened service)`;
  const env = a.container.env;
  const args = hardenedArgs({ redisArgs: env.get('REDIS_ARGS'), falkordbArgs: env.get('FALKORDB_ARGS') }, password);
  const argsValue = planned.argsVar === 'REDIS_ARGS' ? args.redisArgs : [args.falkordbArgs, args.redisArgs].filter(Boolean).join(' ');
  // The pinned image's tag, not the container's: an old container an undo created again runs its commit.
  const tag = imageTag(pinned);
  const values: Record<string, string> = { GRAPHITI_FALKORDB_PASSWORD: password, [planned.argsVar]: argsValue, ...(planned.tagVar && tag && tag !== 'latest' ? { [planned.tagVar]: tag } : {}) };
  return { file, bytes: planned.bytes, changes: planned.changes, project, values, cli };
}

function composeNextSteps(a: Assessment, backup: string): string[] {
  return [
    `Your data is now safe in ${backup} (verified).`,
    `In the compose file, mount the volume at ${FALKORDB_DATA_PATH} instead of /data (compose/docker-compose.yml of autocodex-ops shows the hardened service), add --appendonly yes and --requirepass to REDIS_ARGS, bind the port to 127.0.0.1.`,
    `Keep the old container as the way back: docker stop ${a.container.name} && docker commit ${a.container.name} falkordb-pre-harden:${a.container.id.slice(0, 12)}`,
    'Then: docker-compose up -d falkordb (this recreates the container), and put the data back:',
    `autocodex-ops restore falkordb ${backup} --yes`,
  ];
}

/** Bytes of a volume that are the image's own /data content (a symlink in current images), not data. */
const IMAGE_OWN_BYTES = 512;

/** plannedVolumeCopy: the copy to take of `volume` before harden wipes it, or none (absent, or only the image's own bytes). */
async function plannedVolumeCopy(docker: HardenDocker, volume: string, path: string, signal?: AbortSignal): Promise<HardenPlan['volumeCopy']> {
  if (!(await docker.inspectVolume(volume, { signal }))) return undefined;
  const bytes = await docker.volumeSize(volume, { signal }).catch(() => undefined);
  if (bytes !== undefined && bytes <= IMAGE_OWN_BYTES) return undefined;
  return { volume, ...(bytes !== undefined ? { bytes } : {}), path };
}

/**
 * runHardenFalkordb rescues FalkorDB data caught by the /data trap and hardens a container the
 * Desktop UI started. Under the `falkordb` lock (exit 11) it first undoes what a killed earlier run
 * left (journal), then looks at the live server (exit 10 when Docker, the container or the server
 * is missing). Nothing trapped and nothing to fix: exit 0 ("already hardened"). Else the plan is
 * confirmed (false: exit 1, nothing changed) or returned for --dry-run. Then: the rescue (a verified
 * backup whose key count matches the live server, or exit 1 with nothing else changed), and an
 * archive of the volume harden will fill when it holds more than the image's own bytes; for a
 * compose-managed container it stops there with the steps to finish. For a UI-started one: stop and
 * rename the old container, write the password to the .env files (.bak beside each), put the backup
 * into the volume, create and start the new container with the volume at /var/lib/falkordb/data,
 * auth and AOF, and check its data. Any failure or Ctrl-C after the rename puts the old container
 * and the files back (exit 1, or 130); every step is journaled first.
 */
export async function runHardenFalkordb(options: HardenOptions, deps: HardenDeps): Promise<HardenResult> {
  const { log, signal } = deps;
  const clock = deps.clock ?? systemClock;
  const docker = await deps.docker();
  await docker.ping({ signal });
  const journalFile = journalPath(options.root);
  const lock = await acquireLock({ dir: deps.lockDir, target: deps.locks?.falkordb ?? 'falkordb', command: 'harden falkordb', signal, log });
  try {
    let undidPrevious: string | undefined;
    const previous = await readJournal(journalFile);
    if (previous && !options.dryRun) {
      log.warn(`A harden run started ${previous.startedAt} did not finish: putting the old container ${previous.old.name} and the edited files back first.`);
      await undoJournal(docker, previous, deps.archiveKey);
      await clearJournal(journalFile);
      undidPrevious = previous.startedAt;
      // The old server was just started again: let it answer (or load) before it is looked at.
      // Not answering in time is not an error here; the connect below reports it as usual.
      await checkServerData({ connect: deps.connect, server: options.server, deadline: clock.now() + options.healthTimeoutSecs * 1000, clock, signal }).catch((error: unknown) => {
        if (error instanceof InterruptedError) throw error;
      });
    } else if (previous) {
      log.warn(`A harden run started ${previous.startedAt} did not finish; the next run without --dry-run undoes it first.`);
    }

    const { container, managedBy } = await findFalkorContainer(docker, options.locator, signal);
    const client = await deps.connect({ ...options.server, signal, log });
    try {
      const authRequired = await deps.probeAuth({ host: options.server.host, port: options.server.port, signal });
      const a = await assess(container, managedBy, client, authRequired);
      const base = { editedFiles: [], nextSteps: [], warnings: [], container: container.name, ...(undidPrevious ? { undidPrevious } : {}) };
      if (a.findings.length === 0) {
        log.info(`FalkorDB (${container.name}) is already hardened: data in a volume at ${a.dataDir}, appendonly yes, auth on, loopback ports, pinned image.`);
        return { status: 'already-hardened', ...base };
      }
      if (!a.trapped) {
        const left = a.findings.map((f) => f.message).join('; ');
        log.warn(`FalkorDB's data is already in a volume at ${a.dataDir}; harden changes only installs whose data is in the container's layer. Still to fix: ${left}.`);
        return { status: 'not-trapped', ...base, warnings: [`Still to fix (recreating this container is safe: its data is in a volume): ${left}.`] };
      }

      // Everything that can be refused is refused here, before anything changes.
      let password = options.password.value;
      if (options.password.source === 'generate') {
        password = deps.generatePassword();
        deps.addSecret(password);
      }
      if (!password) {
        throw new UsageError('No password for the hardened server: GRAPHITI_FALKORDB_PASSWORD is not set.', {
          hint: 'Pass --generate-password (written to the root .env and auto-codex/.env), or set GRAPHITI_FALKORDB_PASSWORD and pass --password-from-env.',
        });
      }
      if (deps.encryption && !deps.archiveKey) {
        throw new PrerequisiteError('Backups here are encrypted with age (AUTOCODEX_OPS_AGE_RECIPIENTS), and harden must read its rescued backup back into the new volume, but no AUTOCODEX_OPS_AGE_IDENTITY is set to decrypt it. Nothing was changed.', {
          hint: 'Set AUTOCODEX_OPS_AGE_IDENTITY to the identity file (age-keygen) for this run; the rescue is also encrypted to its public key.',
        });
      }
      if (a.managedBy === 'ui' && a.hostPort === undefined) {
        throw new PrerequisiteError(`${container.name} publishes no host port for ${PORT}; harden cannot tell which port the app uses. Nothing was changed.`);
      }
      // An old container an undo created again from its committed layer stands for the image it ran before.
      const runs = originalImage(container);
      const image = await docker.inspectImage(runs.imageId, { signal });
      const pinned = pinnedImage(runs, image?.repoDigests ?? []);
      const named = await docker.inspectImage(pinned, { signal });
      if (!named) {
        throw new PrerequisiteError(`The image ${pinned} of ${container.name} is not on this machine any more; the new container could not be created. Nothing was changed.`, {
          hint: `Pull or load it again (docker pull ${pinned}), or tag the running image: docker tag ${runs.imageId} ${pinned}.`,
        });
      }
      // A tag pulled or built again since the container started names another image: the new
      // container would run another FalkorDB build than the one whose data is rescued.
      if (named.id !== runs.imageId) {
        throw new PrerequisiteError(`${pinned} now names the image ${named.id.slice(0, 19)}, but ${container.name} runs ${runs.imageId.slice(0, 19)}: the new container would run another FalkorDB build than the one whose data is rescued. Nothing was changed.`, {
          hint: `Point the tag back at the running image and run harden again: docker tag ${runs.imageId} ${pinned}. Upgrade FalkorDB after hardening, with a backup first.`,
        });
      }
      const volume = a.trapVolume ?? options.configuredVolume;
      const swap = a.managedBy === 'compose' ? await planComposeSwap(options.root, a, pinned, password, deps.compose) : undefined;
      const compose = typeof swap === 'object' ? swap : undefined;
      const passwordEdits = await planEnvEdits(options.root, password);
      const rootEnv = join(options.root, '.env');
      const edits: EnvEdit[] = compose
        ? [{ path: rootEnv, keys: Object.keys(compose.values), creates: !(await exists(rootEnv)) }, ...passwordEdits.filter((e) => e.path !== rootEnv)]
        : a.managedBy === 'ui'
          ? passwordEdits
          : [];
      await refuseUnsafePlaces(options, volume, [...edits.map((e) => e.path), ...(compose ? [compose.file] : [])]);
      const stamp = stampOf(deps.now());
      const renamedTo = `${container.name}-pre-harden-${stamp}`;
      const committed = `${PRE_HARDEN_REPO}/${container.name.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}:${stamp}`;
      // The volume harden fills with the rescue is wiped first: an older FalkorDB that wrote to /data
      // may have left a graph there, which nothing else copies. More than the image's own /data
      // content (a symlink in current images: a few bytes), or a size the engine cannot tell, is
      // archived first, verified, and put back by any undo.
      const planAt = deps.now();
      const volumeCopy = a.managedBy === 'compose' && !compose ? undefined : await plannedVolumeCopy(docker, volume, archivePath(options.preRestoreDir, 'falkordb-pre-restore', planAt, deps.encryption !== undefined), signal);
      const passwordSource = { existing: 'the configured password', env: 'GRAPHITI_FALKORDB_PASSWORD from the environment', generate: 'a generated password' }[options.password.source];
      const plan: HardenPlan = {
        container: container.name,
        managedBy: a.managedBy,
        findings: a.findings,
        steps: planSteps(a, { encrypted: deps.encryption !== undefined, volume, image: pinned, edits, outputDir: options.outputDir, renamedTo, committed, passwordSource, hostPort: a.hostPort, compose, composeRefused: typeof swap === 'string' ? swap : undefined, volumeCopy, keepOld: options.keepOld }),
        onFailure:
          a.managedBy === 'compose' && !compose
            ? 'nothing but the rescued backup is written; a failed rescue changes nothing (its verified backup, if any, is kept)'
            : compose
              ? `on failure or Ctrl-C after step 2: compose's new container is removed, ${compose.file} and the .env files come back from their .bak, the old container is renamed back (or created again from ${committed}) and started; the rescued backup stays`
              : 'on failure or Ctrl-C after step 2: the new container is removed, the .env files come back from their .bak, the old container is renamed back and started; the rescued backup stays',
        ...(volumeCopy ? { volumeCopy } : {}),
        warnings: [],
      };
      if (options.dryRun) return { status: 'dry-run', plan, ...base };
      if (!(await deps.confirm(plan))) throw new DeclinedError();

      const rescue = await rescueData(docker, client, { container, dataDir: a.dataDir, outputDir: options.outputDir, saveTimeoutMs: options.saveTimeoutSecs * 1000, imageDigests: image?.repoDigests ?? [] }, deps);
      log.info(`Rescued ${rescue.facts.keys} keys into ${rescue.stored.written.path} (verified).`);
      await client.close();
      if (a.managedBy === 'compose' && !compose) {
        const nextSteps = composeNextSteps(a, rescue.stored.written.path);
        return { status: 'rescued-only', plan, ...base, rescuedBackup: rescue.stored.written.path, keys: rescue.facts.keys, nextSteps };
      }
      return await replaceContainer({ options, deps, docker, clock, a, rescue, password, pinned, volume, edits, renamedTo, committed, compose, journalFile, plan, base, planAt });
    } finally {
      await client.close();
    }
  } finally {
    await lock.release();
  }
}

/**
 * refuseUnsafePlaces stops harden before anything changes when an interrupted restore marks the
 * volume (harden would replace a half-restored volume and strand the restore's journal), or when,
 * as root, a folder it writes into (backups, the volume's copy, edited files and their .bak) could
 * be redirected by another user.
 */
async function refuseUnsafePlaces(options: HardenOptions, volume: string, editedFiles: string[]): Promise<void> {
  const pending = options.journals ? await readRestoreJournal(options.journals, volume) : undefined;
  if (pending) throw new OpsError(`Refusing to harden: ${describeInterrupted(pending)}. Nothing was changed.`, { hint: `First ${finishCommands(pending)}.` });
  assertSafeOutputDir(options.outputDir, 'the backup folder');
  assertSafeOutputDir(options.preRestoreDir, 'the pre-restore backup folder');
  for (const dir of new Set(editedFiles.map((f) => dirname(f)))) assertSafeOutputDir(dir, 'the folder of a file harden edits');
}

interface ReplaceInput {
  options: HardenOptions;
  deps: HardenDeps;
  docker: HardenDocker;
  clock: Clock;
  a: Assessment;
  rescue: Rescue;
  password: string;
  pinned: string;
  volume: string;
  edits: EnvEdit[];
  renamedTo: string;
  committed: string;
  compose?: ComposeSwap;
  journalFile: string;
  plan: HardenPlan;
  /** When the plan was made: the stamp of the volume copy it names. */
  planAt: Date;
  base: Pick<HardenResult, 'editedFiles' | 'nextSteps' | 'warnings' | 'container' | 'undidPrevious'>;
}

async function replaceContainer(input: ReplaceInput): Promise<HardenResult> {
  const { options, deps, docker, clock, a, rescue, password, pinned, journalFile } = input;
  const { log, signal } = deps;
  const old = a.container;
  const journal: HardenJournal = { startedAt: deps.now().toISOString(), old: { id: old.id, name: old.name, renamedTo: input.renamedTo }, edits: [], rescued: rescue.stored.written.path };
  const { compose } = input;
  let committedId: string | undefined;
  let step = compose ? 'stopping and committing the old container' : 'stopping and renaming the old container';
  let volume = input.volume;
  const helper = await resolveHelperImage(docker, [old.imageId, pinned], { signal });
  /** Archives the volume's content (verified) and journals it, so that every undo puts it back. */
  const copyVolume = async (planned: NonNullable<HardenPlan['volumeCopy']>) => {
    const copy = await takeSafetyCopy(docker, { volume: planned.volume, helperImages: [helper] }, {
      dir: options.preRestoreDir,
      facts: {
        createdAt: input.planAt,
        host: deps.hostname,
        toolVersion: deps.toolVersion,
        source: { volume: planned.volume, engine: docker.endpoint, container: { id: old.id, name: old.name, mountedAt: '/data' } },
        warnings: [`The content of volume ${planned.volume} before harden falkordb replaced it (mounted at /data in ${old.name}; perhaps the graph of an older FalkorDB).`],
      },
      log,
      now: () => input.planAt,
      signal,
      encryption: deps.encryption,
      key: deps.archiveKey,
    });
    journal.volumeCopy = { volume: planned.volume, path: copy.stored.written.path, sha256: copy.stored.written.sha256, helperImages: [helper] };
    log.info(`Archived the content of volume ${planned.volume} into ${copy.stored.written.path} (verified); any undo puts it back.`);
  };
  if (input.plan.volumeCopy) {
    try {
      await copyVolume(input.plan.volumeCopy);
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      throw new OpsError(`Archiving the content of volume ${input.plan.volumeCopy.volume} failed: ${(error as Error).message}. Nothing was changed; the rescued backup stays: ${rescue.stored.written.path}.`, { cause: error });
    }
  }
  await writeJournal(journalFile, journal);
  const record = async (done: DoneEdit) => {
    journal.edits.push(done);
    await writeJournal(journalFile, journal);
  };
  try {
    await docker.stopContainer(old.id, { timeoutSeconds: options.stopGraceSeconds, signal });
    if (compose) {
      journal.raw = await docker.inspectContainerRaw(old.id, { signal });
      const [repo, tag] = input.committed.split(':') as [string, string];
      committedId = await docker.commitContainer(old.id, repo, tag, { signal, labels: { [PRE_HARDEN_LABEL]: old.name, [PRE_HARDEN_PROJECT_LABEL]: compose.project } });
      journal.committed = input.committed;
      await writeJournal(journalFile, journal);
      log.info(`Stopped ${old.name} and committed it as ${input.committed} (its data included).`);
      step = `editing ${compose.file}`;
      await applyFileEdit(compose.file, compose.bytes, record);
      log.info(`Edited ${compose.file} (old file: ${compose.file}.bak): ${compose.changes.join('; ')}.`);
    } else {
      await docker.renameContainer(old.id, input.renamedTo, { signal });
      log.info(`Stopped ${old.name} and renamed it to ${input.renamedTo}.`);
    }
    step = 'writing the .env files';
    for (const edit of input.edits) {
      const values = compose && edit.path === join(options.root, '.env') ? compose.values : { GRAPHITI_FALKORDB_PASSWORD: password };
      await applyEnvEdit(edit, values, record);
      log.info(`Set ${Object.keys(values).join(', ')} in ${edit.path}${edit.creates ? ' (created)' : ` (old file: ${edit.path}.bak)`}.`);
    }
    if (compose) {
      step = 'bringing the service up with compose';
      const service = old.labels['com.docker.compose.service'] ?? 'falkordb';
      try {
        await compose.cli.up(service);
      } finally {
        // Journal whatever compose created, even when it failed after creating it.
        const { container: made } = await findFalkorContainer(docker, options.locator).catch(() => ({ container: undefined }));
        if (made && made.id !== old.id) {
          journal.newId = made.id;
          await writeJournal(journalFile, journal);
        }
      }
      const made = journal.newId ? await docker.inspectContainer(journal.newId, { signal }) : undefined;
      const mount = made?.mounts.find((m) => m.destination === FALKORDB_DATA_PATH && m.type === 'volume' && m.name);
      if (!made || !mount?.name) throw new OpsError(`compose did not create ${old.name} with a volume at ${FALKORDB_DATA_PATH}.`);
      volume = mount.name;
      // compose chose another volume than the one on the old /data: that one is what gets wiped.
      if (volume !== journal.volumeCopy?.volume) {
        step = `archiving the content of volume ${volume}`;
        const planned = await plannedVolumeCopy(docker, volume, '', signal);
        if (planned) await copyVolume(planned);
        await writeJournal(journalFile, journal);
      }
      step = `putting the rescued backup into volume ${volume}`;
      log.info(`compose created ${made.name} with volume ${volume} at ${FALKORDB_DATA_PATH}; putting the rescued backup into it.`);
      await docker.stopContainer(made.id, { timeoutSeconds: options.stopGraceSeconds, signal });
    }
    step = `putting the rescued backup into volume ${volume}`;
    if (!(await docker.inspectVolume(volume, { signal }))) await docker.createVolume(volume, {}, { signal });
    await replaceVolumeContent(docker, { volume, helperImages: [helper] }, { path: rescue.stored.written.path, sha256: rescue.stored.written.sha256, key: deps.archiveKey }, { signal });
    // The new server runs with appendonly yes: a rescue from a server without AOF holds only
    // dump.rdb, which such a server ignores, so it is laid out as the base of an AOF.
    const load = planLoad(rescue.data, { appendonly: true, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', dbfilename: 'dump.rdb' });
    await layOutForLoad(docker, { volume, helperImages: [helper] }, load, signal);
    log.info(`Put the rescued backup into volume ${volume}.`);
    step = 'creating the new container';
    const oldEnv = { redisArgs: options.args.redisArgs ?? old.env.get('REDIS_ARGS'), falkordbArgs: options.args.falkordbArgs ?? old.env.get('FALKORDB_ARGS') };
    const args = hardenedArgs(oldEnv, password);
    journal.newId ??= await docker.createServiceContainer(
      {
        name: old.name,
        image: pinned,
        env: [`REDIS_ARGS=${args.redisArgs}`, ...(args.falkordbArgs ? [`FALKORDB_ARGS=${args.falkordbArgs}`] : [])],
        labels: { [HARDENED_LABEL]: deps.now().toISOString() },
        restartPolicy: 'unless-stopped',
        ports: [{ containerPort: PORT, hostIp: '127.0.0.1', hostPort: a.hostPort }],
        mounts: [{ volume, target: FALKORDB_DATA_PATH }],
      },
      { signal },
    );
    await writeJournal(journalFile, journal);
    step = 'starting the new container and checking its data';
    await docker.startContainer(journal.newId, { signal });
    const server = { ...options.server, password };
    const data = await checkServerData(
      { connect: deps.connect, server, deadline: clock.now() + options.healthTimeoutSecs * 1000, clock, signal },
      { keys: rescue.facts.keys, ...(rescue.facts.graphs ? { graphs: rescue.facts.graphs } : {}) },
    );
    if (!(await deps.probeAuth({ host: server.host, port: server.port, signal }))) throw new OpsError('The new server answers without a password.');
    const check = await deps.connect({ ...server, signal });
    try {
      const [aof, dir] = await Promise.all([check.configGet('appendonly'), check.configGet('dir')]);
      if (aof !== 'yes') throw new OpsError(`The new server runs with appendonly ${aof}.`);
      if (dir !== FALKORDB_DATA_PATH) throw new OpsError(`The new server writes to ${dir}, not to ${FALKORDB_DATA_PATH} where the volume is.`);
    } finally {
      await check.close();
    }
    await clearJournal(journalFile);
    const warnings: string[] = [];
    const kept = compose ? `the image ${input.committed}` : `the stopped container ${input.renamedTo}`;
    const byHand = compose ? `docker rmi ${input.committed}` : `docker rm ${input.renamedTo}`;
    if (options.keepOld) {
      // Recorded so that a later `harden --cleanup` leaves it (docker cannot relabel a container).
      try {
        await addKept(keptPath(options.root), { keptAt: deps.now().toISOString(), ...(compose ? { image: { id: committedId ?? '', ref: input.committed } } : { container: { id: old.id, name: input.renamedTo } }) });
      } catch (error) {
        warnings.push(`Could not record ${kept} as kept (--keep-old) in ${keptPath(options.root)}: ${(error as Error).message}; \`harden --cleanup\` would remove it.`);
      }
    }
    const now = await docker.inspectContainer(journal.newId!);
    const open = (now?.ports ?? []).filter((p) => p.containerPort === PORT && p.hostPort !== undefined && !['127.0.0.1', '::1'].includes(p.hostIp));
    if (open.length > 0) warnings.push(`${old.name} still publishes ${PORT} on ${open.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}`).join(', ')}: bind it to 127.0.0.1 in the compose file by hand.`);
    for (const w of warnings) log.warn(w);
    log.info(`${old.name} runs on volume ${volume} at ${FALKORDB_DATA_PATH} with ${data.keys} keys, auth and AOF on.`);
    return {
      status: 'hardened',
      plan: input.plan,
      ...input.base,
      rescuedBackup: rescue.stored.written.path,
      keys: data.keys,
      ...(compose ? { oldImage: input.committed } : { oldContainer: input.renamedTo }),
      volume,
      ...(journal.volumeCopy ? { volumeCopy: journal.volumeCopy.path } : {}),
      image: pinned,
      editedFiles: journal.edits.map((e) => e.path),
      warnings,
      nextSteps: [
        options.keepOld
          ? `The old container is kept for good as ${kept} (--keep-old, recorded in ${keptPath(options.root)}): \`harden --cleanup\` leaves it; remove it by hand when no longer needed: ${byHand}`
          : `The old container is kept as ${kept}; once the app works with the new server, remove it: autocodex-ops harden --cleanup`,
        ...(journal.volumeCopy ? [`The volume's content from before harden is kept in ${journal.volumeCopy.path} (verified; \`backup list --kind pre-restore\`).`] : []),
      ],
    };
  } catch (error) {
    const interrupted = Boolean(signal?.aborted) || error instanceof InterruptedError;
    deps.error(`harden ${interrupted ? 'interrupted' : 'failed'} while ${step}: ${(error as Error).message}`);
    try {
      await undoJournal(docker, journal);
      await clearJournal(journalFile);
    } catch (undoError) {
      throw new OpsError(`harden failed while ${step} (${(error as Error).message}), and ${(undoError as Error).message}`, { cause: error, hint: (undoError as OpsError).hint });
    }
    const back = `${old.name} runs again with its data, the edited files are back from their .bak; the rescued backup stays: ${rescue.stored.written.path}`;
    if (interrupted) throw new InterruptedError(`Interrupted while ${step}; ${back}.`, { cause: error });
    throw new OpsError(`harden failed while ${step}: ${(error as Error).message}; ${back}.`, { cause: error, hint: (error as OpsError).hint });
  }
}
