import type { DockerApi } from '../docker/docker.js';

// `harden falkordb --cleanup`: the old containers harden stopped and renamed
// (`<name>-pre-harden-<stamp>`) are the way back until the operator says the new one works.

/** findPreHarden lists the stopped pre-harden containers of `name`. */
export async function findPreHarden(docker: Pick<DockerApi, 'listContainers'>, name: string, signal?: AbortSignal): Promise<Array<{ id: string; name: string }>> {
  const all = await docker.listContainers({}, { signal });
  const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-pre-harden-\\d{8}_\\d{6}$`);
  return all.filter((c) => re.test(c.name) && !c.running).map((c) => ({ id: c.id, name: c.name }));
}

/** removePreHarden removes them (with their anonymous volumes, never a named one). */
export async function removePreHarden(docker: Pick<DockerApi, 'removeContainer'>, containers: ReadonlyArray<{ id: string }>): Promise<void> {
  for (const c of containers) await docker.removeContainer(c.id, { force: false, anonymousVolumes: true });
}
