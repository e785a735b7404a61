import type { DockerApi } from '../docker/docker.js';

// `harden --cleanup`: what harden kept as the way back until the operator says the new server
// works: the old containers it stopped and renamed (`<name>-pre-harden-<stamp>`, Desktop UI
// installs) and the images it committed compose-managed ones to
// (`autocodex-ops-pre-harden/<name>:<stamp>`, labelled at the commit). Only those: a user's image
// never carries the label, and an image a container still uses (the undo of a failed compose run
// creates the old container from it) is kept.

/** Repository of the images harden commits old compose-managed containers to. */
export const PRE_HARDEN_REPO = 'autocodex-ops-pre-harden';
/** Label set at the commit: the old container's name. */
export const PRE_HARDEN_LABEL = 'autocodex-ops.pre-harden';
/** Label set at the commit: its compose project. */
export const PRE_HARDEN_PROJECT_LABEL = 'autocodex-ops.pre-harden.project';
/**
 * Labels of an old container that an undo created again from its committed image: the image it
 * ran before (reference and id), which a later harden pins and checks instead of the commit.
 */
export const PRE_HARDEN_IMAGE_LABEL = 'autocodex-ops.pre-harden.image';
export const PRE_HARDEN_IMAGE_ID_LABEL = 'autocodex-ops.pre-harden.image-id';

const STAMP = '\\d{8}_\\d{6}';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** findPreHarden lists the stopped pre-harden containers of `name`. */
export async function findPreHarden(docker: Pick<DockerApi, 'listContainers'>, name: string, signal?: AbortSignal): Promise<Array<{ id: string; name: string }>> {
  const all = await docker.listContainers({}, { signal });
  const re = new RegExp(`^${escape(name)}-pre-harden-${STAMP}$`);
  return all.filter((c) => re.test(c.name) && !c.running).map((c) => ({ id: c.id, name: c.name }));
}

/** removePreHarden removes them (with their anonymous volumes, never a named one). */
export async function removePreHarden(docker: Pick<DockerApi, 'removeContainer'>, containers: ReadonlyArray<{ id: string }>): Promise<void> {
  for (const c of containers) await docker.removeContainer(c.id, { force: false, anonymousVolumes: true });
}

/** A pre-harden image: the tag harden gave it, and the containers that still use it (then it is kept). */
export interface PreHardenImage {
  id: string;
  ref: string;
  usedBy: string[];
}

/**
 * findPreHardenImages lists the images harden committed for the container `name` or the compose
 * project `project`: in PRE_HARDEN_REPO, tagged with a stamp, and carrying PRE_HARDEN_LABEL. Reads only.
 */
export async function findPreHardenImages(docker: Pick<DockerApi, 'listImages' | 'listContainers'>, o: { name: string; project: string }, signal?: AbortSignal): Promise<PreHardenImage[]> {
  const images = await docker.listImages(`${PRE_HARDEN_REPO}/*`, { signal });
  const tag = new RegExp(`^${escape(PRE_HARDEN_REPO)}/[a-z0-9._-]+:${STAMP}$`);
  const ours = images.filter((i) => i.labels[PRE_HARDEN_LABEL] && (i.labels[PRE_HARDEN_LABEL] === o.name || i.labels[PRE_HARDEN_PROJECT_LABEL] === o.project));
  if (ours.length === 0) return [];
  const containers = await docker.listContainers({}, { signal });
  return ours.flatMap((i) =>
    i.repoTags.filter((t) => tag.test(t)).map((ref) => ({ id: i.id, ref, usedBy: containers.filter((c) => c.imageId === i.id || c.image === ref).map((c) => c.name) })),
  );
}

/** removePreHardenImages removes the tags of images no container uses (the image goes with its last tag). */
export async function removePreHardenImages(docker: Pick<DockerApi, 'removeImage'>, images: ReadonlyArray<PreHardenImage>, signal?: AbortSignal): Promise<void> {
  for (const i of images) if (i.usedBy.length === 0) await docker.removeImage(i.ref, { signal });
}
