import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { execa } from 'execa';
import * as tar from 'tar';
import { demuxDockerLogs } from '../../src/core/docker/inspect-mapping.js';

// Real-engine fixtures for the Docker integration tests. Setup and verification go through raw
// dockerode and busybox inside the stand-in image, never through the code under test, and every
// object is labelled `autocodex-ops.test=<run id>` so afterAll (or a later run) can remove it.

/** The stand-in images scripts/test-env.sh builds (there is no registry: never pull). */
export const FALKORDB_STANDIN = 'falkordb/falkordb:autocodex-ops-standin';
/** The Graphiti MCP stand-in: busybox httpd on 8000. */
export const GRAPHITI_STANDIN = 'falkordb/graphiti-knowledge-graph-mcp:autocodex-ops-standin';
/** Label on every object a test creates; its value is the run id. */
export const TEST_LABEL = 'autocodex-ops.test';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A file tree to put into a volume: content, a directory (`null`) or a symlink (`{ link }`). */
export type TreeEntry = string | Buffer | null | { link: string };

/** ensureStandinImages resolves when both stand-in images exist, running scripts/test-env.sh once if not. */
export async function ensureStandinImages(docker: Docker): Promise<void> {
  const present = async () =>
    (await Promise.all([FALKORDB_STANDIN, GRAPHITI_STANDIN].map((i) => docker.getImage(i).inspect().then(() => true, () => false)))).every(Boolean);
  if (await present()) return;
  await execa('bash', [join(REPO, 'scripts/test-env.sh')], { stdio: 'inherit', timeout: 900_000 });
  if (!(await present())) throw new Error(`stand-in images missing after scripts/test-env.sh: ${FALKORDB_STANDIN}, ${GRAPHITI_STANDIN}`);
}

/** Options of DockerTestEnv.createFalkorContainer. */
export interface StandinOptions {
  name?: string;
  volume?: string;
  mountAt?: string;
  /** Compose labels for this service (project defaults to `compose.project`). */
  compose?: { project: string; service: string };
  /** A redis-cli PING healthcheck every second, or a healthcheck that always fails. */
  healthcheck?: 'redis' | 'failing';
  start?: boolean;
  cmd?: string[];
  image?: string;
}

/** DockerTestEnv creates uniquely named, labelled volumes and containers and removes them in cleanup. */
export class DockerTestEnv {
  readonly runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  readonly docker = new Docker({ socketPath: '/var/run/docker.sock' });
  readonly label = { [TEST_LABEL]: this.runId };
  #counter = 0;

  /** uniqueName returns `aco-test-<run>-<n>-<suffix>`. */
  uniqueName(suffix: string): string {
    this.#counter += 1;
    return `aco-test-${this.runId}-${this.#counter}-${suffix}`;
  }

  async createVolume(suffix = 'vol'): Promise<string> {
    const name = this.uniqueName(suffix);
    await this.docker.createVolume({ Name: name, Labels: this.label });
    return name;
  }

  async volumeExists(name: string): Promise<boolean> {
    return this.docker.getVolume(name).inspect().then(() => true, () => false);
  }

  /** createFalkorContainer creates (and by default starts) a stand-in FalkorDB container. */
  async createFalkorContainer(options: StandinOptions = {}): Promise<{ id: string; name: string }> {
    const name = options.name ?? this.uniqueName('falkordb');
    const labels = { ...this.label };
    if (options.compose) {
      Object.assign(labels, {
        'com.docker.compose.project': options.compose.project,
        'com.docker.compose.service': options.compose.service,
        'com.docker.compose.oneoff': 'False',
      });
    }
    const second = 1_000_000_000;
    const healthcheck =
      options.healthcheck === 'redis'
        ? { Test: ['CMD-SHELL', 'redis-cli -h 127.0.0.1 ping | grep -q PONG'], Interval: second, Timeout: 3 * second, Retries: 30 }
        : options.healthcheck === 'failing'
          ? { Test: ['CMD-SHELL', 'exit 1'], Interval: second, Timeout: 3 * second, Retries: 1 }
          : undefined;
    const container = await this.docker.createContainer({
      name,
      Image: options.image ?? FALKORDB_STANDIN,
      Labels: labels,
      ...(options.cmd ? { Cmd: options.cmd } : {}),
      ...(healthcheck ? { Healthcheck: healthcheck } : {}),
      HostConfig: {
        NetworkMode: 'none',
        Mounts: options.volume ? [{ Type: 'volume', Source: options.volume, Target: options.mountAt ?? '/var/lib/falkordb/data' }] : [],
      },
    });
    if (options.start !== false) await container.start();
    return { id: container.id, name };
  }

  /** fillVolume writes a file tree into a volume through a throwaway container's archive endpoint. */
  async fillVolume(volume: string, tree: Record<string, TreeEntry>): Promise<void> {
    const src = mkdtempSync(join(tmpdir(), 'aco-tree-'));
    try {
      for (const [rel, entry] of Object.entries(tree)) {
        const path = join(src, rel);
        if (entry === null) {
          mkdirSync(path, { recursive: true });
          continue;
        }
        mkdirSync(dirname(path), { recursive: true });
        if (typeof entry === 'object' && !Buffer.isBuffer(entry)) symlinkSync(entry.link, path);
        else writeFileSync(path, entry);
      }
      const body = tar.c({ cwd: src }, ['.']) as unknown as Readable;
      await this.#withVolumeContainer(volume, async (c) => {
        await c.putArchive(body, { path: '/v' });
      });
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  }

  /**
   * digest lists the volume's content as sorted lines, computed by busybox inside a container:
   * `D path`, `L path -> target`, `F path sha256 mode`. Independent of the archive endpoint.
   */
  async digest(volume: string): Promise<string[]> {
    const script =
      'cd /v && find . -mindepth 1 | sort | while IFS= read -r p; do ' +
      'if [ -L "$p" ]; then echo "L $p -> $(readlink "$p")"; elif [ -d "$p" ]; then echo "D $p"; ' +
      'else echo "F $p $(sha256sum < "$p" | cut -d" " -f1) $(stat -c %a "$p")"; fi; done';
    const { code, output } = await this.runInVolume(volume, script);
    if (code !== 0) throw new Error(`digest of ${volume} failed (${code}): ${output}`);
    return output.split('\n').filter(Boolean);
  }

  /** runInVolume runs `sh -c script` in a stand-in container with the volume at /v. */
  async runInVolume(volume: string, script: string): Promise<{ code: number; output: string }> {
    let result = { code: -1, output: '' };
    await this.#withVolumeContainer(
      volume,
      async (c) => {
        await c.start();
        const { StatusCode } = (await c.wait()) as { StatusCode: number };
        const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
        result = { code: StatusCode, output: demuxDockerLogs(Buffer.isBuffer(logs) ? logs : Buffer.from(String(logs))) };
      },
      ['sh', '-c', script],
    );
    return result;
  }

  /** containersLabelled lists this run's containers that also carry `label` (e.g. the helper label). */
  async containersLabelled(label: string): Promise<string[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${this.runId}`, label] } });
    return list.map((c) => c.Id);
  }

  /** cleanup force-removes every container and volume of this run, anonymous volumes included. */
  async cleanup(): Promise<void> {
    const filters = { label: [`${TEST_LABEL}=${this.runId}`] };
    for (const c of await this.docker.listContainers({ all: true, filters })) {
      await this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    const { Volumes } = await this.docker.listVolumes({ filters });
    for (const v of Volumes ?? []) await this.docker.getVolume(v.Name).remove().catch(() => undefined);
  }

  async #withVolumeContainer(volume: string, fn: (c: Docker.Container) => Promise<void>, cmd: string[] = ['true']): Promise<void> {
    const [entrypoint, ...args] = cmd;
    const c = await this.docker.createContainer({
      name: this.uniqueName('tool'),
      Image: FALKORDB_STANDIN,
      Entrypoint: [entrypoint!],
      Cmd: args,
      Labels: this.label,
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/v' }] },
    });
    try {
      await fn(c);
    } finally {
      await c.remove({ force: true, v: true });
    }
  }
}

/** sha256Hex of a buffer. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** tarEntries parses an uncompressed tar stream into `path -> { type, sha256? }`. */
export async function tarEntries(stream: Readable): Promise<Map<string, { type: string; sha256?: string; linkpath?: string }>> {
  const entries = new Map<string, { type: string; sha256?: string; linkpath?: string }>();
  const parser = new tar.Parser();
  parser.on('entry', (entry: tar.ReadEntry) => {
    const hash = createHash('sha256');
    entry.on('data', (chunk: Buffer) => hash.update(chunk));
    entry.on('end', () => {
      entries.set(entry.path, {
        type: entry.type,
        ...(entry.type === 'File' ? { sha256: hash.digest('hex') } : {}),
        ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    parser.on('error', reject);
    parser.on('end', () => resolve());
    stream.pipe(parser as unknown as NodeJS.WritableStream);
  });
  return entries;
}

/** archiveDigest renders a .tar.gz's content as env.digest renders a volume, without file modes (tar keeps them; digest checks them elsewhere). */
export async function archiveDigest(path: string): Promise<string[]> {
  const entries = await tarEntries(createReadStream(path).pipe(createGunzip()));
  return [...entries]
    .map(([p, e]) => {
      const q = `./${p.replace(/^\.\//, '').replace(/\/$/, '')}`;
      return e.type === 'File' ? `F ${q} ${e.sha256}` : e.type === 'SymbolicLink' ? `L ${q} -> ${e.linkpath}` : `D ${q}`;
    })
    .filter((l) => l !== 'D ./' && l !== 'D .')
    .sort();
}

/** withoutModes drops the modes from env.digest's lines, to compare them with archiveDigest's. */
export const withoutModes = (lines: string[]) => lines.map((l) => (l.startsWith('F ') ? l.replace(/ \d+$/, '') : l)).sort();

/** preRestoreCopies lists the falkordb_pre_restore_* archives in `dir` (none when it does not exist). */
export const preRestoreCopies = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /^falkordb_pre_restore_\d{8}_\d{6}\.tar\.gz$/.test(f)) : []);

/** The endpoint inputs of a test run: `env` (default none: the default socket) with this machine's home and platform. */
export function dockerInputs(env: Record<string, string | undefined> = {}) {
  return { env, homedir: homedir(), platform: process.platform };
}
