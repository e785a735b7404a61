import { runScriptInVolume, type VolumeStreamDocker } from '../docker/volume-stream.js';
import type { LoadPlan } from '../falkordb/load-plan.js';

// Issue 23 §8: an RDB restored for a server with appendonly yes is laid out as the base of a
// multi-part AOF, or the server starts empty. Used by restore and by harden (whose new server runs
// with AOF on even when the old one did not).

const SAFE = /^[\w.-]+(\/[\w.-]+)?$/;

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
