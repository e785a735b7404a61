// A FalkorDB "installation" for the tool to work on: a labelled volume holding the reference data
// and a created, never started FalkorDB container (stand-in image) mounting it at
// /var/lib/falkordb/data under its own compose project, as `docker compose` would label it.
// Nothing runs, so `backup --mode live` needs no server connection and `restore` stops nothing;
// with `running`, the container runs `sleep` instead of the server, so a restore stops and starts it
// and `docker inspect` times the downtime without a server's shutdown save or load in it (the
// restore is measured without its health wait; the data is real and loads: the drill loads it).
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { docker, log, must } from './lib.mjs';
import { fillReferenceData } from './reference-data.mjs';
import { createVolume, labelArgs, NAME } from './resources.mjs';

export const FALKOR_IMAGE = 'falkordb/falkordb:autocodex-ops-standin';

/** folderBytes sums the sizes of the regular files below `dir`. */
export function folderBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/**
 * createTarget makes the volume `<NAME>-<id>` with the reference data (generated from the seed, or
 * copied from another target) and its container; resolves with the names, the volume's folder on
 * this host, the data's size, and the environment that points autocodex-ops at them.
 */
export async function createTarget(id, { seed, scale, dataset, copyFrom, root, running = false }) {
  const project = `${NAME}-${id}`;
  const volume = `${project}-data`;
  const container = `${project}-falkordb`;
  const mountpoint = await createVolume(volume);
  try {
    statSync(mountpoint);
  } catch {
    throw new Error(`The volume's folder ${mountpoint} is not readable here: the bench needs the Docker engine on this machine and root (it fills volumes and measures the machine's limit on their folders).`);
  }
  const started = Date.now();
  let data;
  if (copyFrom) {
    await must('cp', ['-a', `${copyFrom.mountpoint}/.`, mountpoint]);
    data = copyFrom.data;
  } else {
    data = await fillReferenceData(mountpoint, { seed, scale, dataset });
  }
  const labels = [...labelArgs, '--label', `com.docker.compose.project=${project}`, '--label', 'com.docker.compose.service=falkordb'];
  // --init: sleep as PID 1 would ignore the stop signal and make every stop wait out the grace time.
  const cmd = running ? ['--init', '--entrypoint', 'sleep', FALKOR_IMAGE, 'infinity'] : [FALKOR_IMAGE];
  await docker('create', '--name', container, ...labels, '-v', `${volume}:/var/lib/falkordb/data`, ...cmd);
  if (running) await docker('start', container);
  log(`volume ${volume}: ${(data.totalBytes / 1e6).toFixed(0)} MB in ${data.files.length} files (${data.keys.rdb} keys in dump.rdb, ${data.keys.aof} in the AOF), ${copyFrom ? 'copied' : 'generated'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  mkdirSync(root, { recursive: true });
  const env = {
    ...process.env,
    AUTO_CODEX_ROOT: root,
    COMPOSE_PROJECT_NAME: project,
    FALKORDB_CONTAINER_NAME: container,
    GRAPHITI_MCP_CONTAINER_NAME: `${project}-no-graphiti-mcp`,
    FALKORDB_VOLUME: volume,
    // Nothing answers there: the restore's question to a running FalkorDB fails at once (no other server is asked).
    GRAPHITI_FALKORDB_HOST: '127.0.0.1',
    GRAPHITI_FALKORDB_PORT: '9',
    NO_COLOR: '1',
  };
  for (const key of ['BACKUP_DIR', 'PRE_RESTORE_BACKUP_DIR', 'BACKUP_RETENTION_DAYS', 'FALKORDB_BACKUP_MODE', 'SKIP_RESTORE_HEALTH_WAIT']) delete env[key];
  return { id, project, volume, container, mountpoint, data, env };
}

/** downtimeMs reads how long the target's container was down: its last stop (FinishedAt) to its last start (StartedAt). */
export async function downtimeMs(target) {
  const [finished, started] = (await docker('inspect', '--format', '{{.State.FinishedAt}} {{.State.StartedAt}}', target.container)).split(' ');
  return Date.parse(started) - Date.parse(finished);
}

/** checkContent throws when the target's folder no longer holds the reference data's byte count. */
export function checkContent(target, who) {
  const bytes = folderBytes(target.mountpoint);
  if (bytes !== target.data.totalBytes) throw new Error(`after ${who}, volume ${target.volume} holds ${bytes} bytes instead of ${target.data.totalBytes}`);
}
