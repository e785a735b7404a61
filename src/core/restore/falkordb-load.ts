import type { ContainerInfo } from '../docker/docker.js';
import { runScriptInVolume, type VolumeStreamDocker } from '../docker/volume-stream.js';
import type { LoadPlan, ServerPersistence } from '../falkordb/load-plan.js';
import { serverArg } from '../falkordb/server-args.js';

// Issue 23 §8: a restore makes the server load what the archive holds, whatever its AOF setting.
// The decision itself is load-plan.ts (shared with drill); this file finds the server's settings
// and carries out the layout after the extraction.

const SAFE = /^[\w.-]+(\/[\w.-]+)?$/;

/**
 * persistenceFor picks the settings the restored server will start with: what the live server said
 * (CONFIG GET), else its container's REDIS_ARGS/FALKORDB_ARGS (Redis defaults: appendonly no,
 * appendonlydir, appendonly.aof, dump.rdb); undefined without a FalkorDB container. Pure.
 */
export function persistenceFor(asked: ServerPersistence | undefined, container: ContainerInfo | undefined): ServerPersistence | undefined {
  if (asked) return asked;
  if (!container) return undefined;
  const value = (name: string) => serverArg(container.env.get('REDIS_ARGS'), container.env.get('FALKORDB_ARGS'), name)?.value;
  return {
    appendonly: value('appendonly') === 'yes',
    appenddirname: value('appenddirname') ?? 'appendonlydir',
    appendfilename: value('appendfilename') ?? 'appendonly.aof',
    dbfilename: value('dbfilename') ?? 'dump.rdb',
  };
}

// Hard link, not a copy: no extra disk and no extra time. The folder and manifest get the RDB's owner
// so a server running as another user can extend the AOF.
const LAYOUT_SCRIPT = 'set -e; mkdir -p "$(dirname "$2")"; ln -f "$1" "$2"; printf "%s\\n" "$4" > "$3"; chown "$(stat -c %u:%g "$1")" "$(dirname "$2")" "$3" 2>/dev/null || true';

/**
 * layOutForLoad carries out a load plan's layout in the restored volume (an RDB as the base of a
 * multi-part AOF: hard link plus manifest) through a helper. Nothing to do without a layout; a name
 * outside `[\w.-]` (never from a real config) is refused rather than passed to the shell.
 */
export async function layOutForLoad(docker: VolumeStreamDocker, target: { volume: string; helperImages: ReadonlyArray<string | undefined> }, plan: LoadPlan, signal?: AbortSignal): Promise<void> {
  const layout = plan.layout;
  if (!layout) return;
  if (![layout.from, layout.to, layout.manifestPath].every((p) => SAFE.test(p))) throw new Error(`unexpected AOF names (${layout.to}, ${layout.manifestPath})`);
  await runScriptInVolume(docker, { ...target, signal, what: `Laying ${layout.from} out as ${layout.to}`, script: LAYOUT_SCRIPT, args: [layout.from, layout.to, layout.manifestPath, layout.manifest.trim()] });
}
