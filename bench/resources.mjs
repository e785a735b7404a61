// Everything the bench creates (Docker volumes and containers, temporary folders) is labelled with
// this run's id and removed at the end, also on Ctrl-C/SIGTERM; leftovers of a bench that was
// killed outright (its pid is gone) are removed at the next start.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, liveChildren, log, run } from './lib.mjs';

/** Label key on every container and volume the bench creates; the value is RUN_ID. */
export const LABEL = 'autocodex-ops.bench';
/** host:pid of this bench run. */
export const RUN_ID = `${hostname()}:${process.pid}`;
/** Prefix of this run's Docker names. */
export const NAME = `aco-bench-${process.pid}`;
/** `docker run|create|volume create` arguments that label an object as this run's. */
export const labelArgs = ['--label', `${LABEL}=${RUN_ID}`];

const volumes = new Set();
const dirs = new Set();

/** tempDir creates a folder under the system temp folder that cleanup removes. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `${NAME}-${prefix}-`));
  dirs.add(dir);
  return dir;
}

/** createVolume creates a labelled named volume and resolves with its mountpoint on this host. */
export async function createVolume(name) {
  volumes.add(name);
  await run('docker', ['volume', 'create', ...labelArgs, name]).then((r) => {
    if (r.code !== 0) throw new Error(`docker volume create ${name}: ${r.stderr.trim()}`);
  });
  return (await run('docker', ['volume', 'inspect', '--format', '{{.Mountpoint}}', name])).stdout.trim();
}

async function ids(args) {
  const r = await run('docker', args);
  return r.code === 0 ? r.stdout.split('\n').map((s) => s.trim()).filter(Boolean) : [];
}

async function removeContainers(containerIds) {
  if (containerIds.length > 0) await run('docker', ['rm', '-f', '-v', ...new Set(containerIds)]);
}

/** alive: the process exists and is not a zombie (a zombie has ended; only its parent has not reaped it). */
const alive = (pid) => {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** sweepLeftovers removes containers and volumes of earlier bench runs on this host whose process is gone. */
export async function sweepLeftovers() {
  const owner = (value) => {
    const m = /^(.*):(\d+)$/.exec(value ?? '');
    return m && m[1] === hostname() && !alive(Number(m[2]));
  };
  const containers = (await ids(['ps', '-a', '--filter', `label=${LABEL}`, '--format', `{{.ID}} {{.Label "${LABEL}"}}`])).map((l) => l.split(' '));
  const deadContainers = containers.filter(([, v]) => owner(v)).map(([id]) => id);
  const vols = (await ids(['volume', 'ls', '--filter', `label=${LABEL}`, '--format', `{{.Name}} {{.Label "${LABEL}"}}`])).map((l) => l.split(' '));
  const deadVolumes = vols.filter(([, v]) => owner(v)).map(([name]) => name);
  // The tool's own helper containers carry no bench label; they mount a bench volume.
  for (const v of deadVolumes) deadContainers.push(...(await ids(['ps', '-aq', '--filter', `volume=${v}`])));
  const deadDirs = readdirSync(tmpdir()).filter((d) => {
    const m = /^aco-bench-(\d+)-/.exec(d);
    return m && !alive(Number(m[1]));
  });
  for (const d of deadDirs) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  await removeContainers(deadContainers);
  if (deadVolumes.length > 0) await run('docker', ['volume', 'rm', '-f', ...deadVolumes]);
  if (deadContainers.length + deadVolumes.length + deadDirs.length > 0) {
    log(`removed ${deadContainers.length} container(s), ${deadVolumes.length} volume(s) and ${deadDirs.length} temporary folder(s) left by an interrupted bench`);
  }
}

let cleaning;

/**
 * cleanup ends this run's processes (SIGTERM to every child and its descendants: the tool removes
 * its own helper containers then; SIGKILL after 20 s), removes its containers (labelled, or
 * mounting one of its volumes), its volumes and its temporary folders. Runs once; later calls
 * share the first.
 */
export function cleanup() {
  cleaning ??= (async () => {
    const pids = [...liveChildren].flatMap((c) => [...descendants(c.pid), c.pid]);
    for (const pid of pids) signal(pid, 'SIGTERM');
    // A `docker run` CLI only ends with its container (tar as PID 1 ignores SIGTERM).
    await removeContainers(await ids(['ps', '-aq', '--filter', `label=${LABEL}=${RUN_ID}`]));
    const deadline = Date.now() + 20_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
    const containers = await ids(['ps', '-aq', '--filter', `label=${LABEL}=${RUN_ID}`]);
    for (const v of volumes) containers.push(...(await ids(['ps', '-aq', '--filter', `volume=${v}`])));
    await removeContainers(containers);
    if (volumes.size > 0) await run('docker', ['volume', 'rm', '-f', ...volumes]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    return { volumes: volumes.size, dirs: dirs.size };
  })();
  return cleaning;
}

const signal = (pid, sig) => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/** Set once SIGINT/SIGTERM/SIGHUP arrived: sections stop at the next step. */
export let interrupted = false;

/** onInterrupt makes Ctrl-C (and SIGTERM, SIGHUP) clean up everything, then exit 130. */
export function onInterrupt() {
  const handler = (sig) => {
    if (interrupted) {
      log(`${sig} again: still cleaning up, please wait`);
      return;
    }
    interrupted = true;
    log(`${sig}: stopping and removing the bench's containers, volumes and files`);
    cleanup()
      .then((r) => log(`cleaned up: its containers, ${r.volumes} volume(s), ${r.dirs} folder(s)`))
      .catch((err) => log(`cleanup failed: ${err.message}`))
      .finally(() => process.exit(130));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, handler);
}
