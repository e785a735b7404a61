import { PassThrough, Readable, type Writable } from 'node:stream';
import { Header } from 'tar';
import { ContainerEnv } from '../../src/core/docker/container-env.js';
import type {
  CallOptions,
  ContainerFilter,
  ContainerInfo,
  DockerApi,
  EngineVersion,
  HealthStatus,
  HelperContainerSpec,
  ImageInfo,
  ServiceContainerSpec,
  VolumeInfo,
} from '../../src/core/docker/docker.js';
import { DockerEngineError } from '../../src/core/docker/docker-errors.js';
import { HELPER_LABEL } from '../../src/core/docker/helper-container.js';

// A hand-written, in-memory DockerApi for unit tests (style guide §8: fakes, never vi.mock).
// It behaves like the engine where it matters to callers: start/stop change state, unknown ids
// are undefined, creating a container with a missing volume creates that volume (so tests can
// prove callers check first), images are never pulled. Every call is recorded in `calls`.
// State, not command text (issue 13 §6): a volume is its files, a helper container does what its
// purpose label says (a wipe empties the files, putArchive extracts into them, getArchive tars them).

/** A container to seed the fake with; everything but `name` has a default. */
export type FakeContainerInit = Partial<Omit<ContainerInfo, 'env'>> & {
  name: string;
  env?: Record<string, string>;
  /** Text returned by containerLogs (last `tail` lines). */
  logs?: string;
  /** Health reported by successive inspects; the last value sticks. */
  healthSequence?: HealthStatus[];
};

/** A volume to seed the fake with; `files` maps a path inside the volume (`dump.rdb`, `appendonlydir/x`) to its content. */
export type FakeVolumeInit = string | { name: string; files?: Record<string, string | Buffer>; labels?: Record<string, string> };

/** Seed data for FakeDocker. */
export interface FakeDockerInit {
  containers?: FakeContainerInit[];
  volumes?: FakeVolumeInit[];
  images?: Array<string | ImageInfo>;
  endpoint?: string;
  version?: EngineVersion;
  /** ping rejects with this error; `'hang'` never settles unless the signal aborts. */
  ping?: Error | 'hang';
  /** Exit code of started helper containers (wipe); default 0. */
  helperExitCode?: number;
}

/** One recorded call: method name and arguments (options included). */
export interface FakeCall {
  method: keyof DockerApi;
  args: unknown[];
}

interface FakeContainer {
  info: ContainerInfo;
  logs: string;
  healthSequence: HealthStatus[];
  spec?: HelperContainerSpec;
  /** What was written to the stdin of a helper created with openStdin (attachStdin). */
  stdin?: string[];
  /** Exit code of a move helper that refused (see #move). */
  moveExit?: number;
}

/** A volume as files: path inside the volume (no `./`) → content. getArchive tars them, putArchive adds to them, a wipe empties them. */
export interface FakeVolume {
  info: VolumeInfo;
  files: Map<string, Buffer>;
}

let seq = 0;

/** fakeContainer builds a ContainerInfo with sensible defaults (running, no healthcheck, no mounts). */
export function fakeContainer(init: FakeContainerInit): ContainerInfo {
  const { env, logs: _logs, healthSequence: _h, ...rest } = init;
  const running = rest.running ?? (rest.state ? rest.state === 'running' : true);
  seq += 1;
  return {
    id: rest.id ?? `${init.name}-id-${String(seq).padStart(4, '0')}`,
    image: 'falkordb/falkordb:test',
    imageId: 'sha256:falkordb-test',
    state: running ? 'running' : 'exited',
    health: 'none',
    labels: {},
    mounts: [],
    ports: [],
    created: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    ...rest,
    running,
    env: new ContainerEnv(Object.entries(env ?? {})),
  };
}

/** composeLabels returns the labels docker compose puts on a service container. */
export function composeLabels(service: string, project = 'auto-codex'): Record<string, string> {
  return { 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.oneoff': 'False' };
}

/**
 * FakeDocker is an in-memory DockerApi seeded from a list of containers, volumes and images; it
 * records every call in `calls` and can be told to fail a method with `failNext`.
 */
export class FakeDocker implements DockerApi {
  readonly endpoint: string;
  readonly calls: FakeCall[] = [];
  readonly containers = new Map<string, FakeContainer>();
  readonly volumes = new Map<string, FakeVolume>();
  readonly images = new Map<string, ImageInfo>();
  readonly #init: FakeDockerInit;
  readonly #failures: Array<{ method: keyof DockerApi; error: Error; when?: (args: unknown[]) => boolean }> = [];

  constructor(init: FakeDockerInit = {}) {
    this.#init = init;
    this.endpoint = init.endpoint ?? 'unix:///var/run/docker.sock';
    for (const c of init.containers ?? []) {
      const info = fakeContainer(c);
      this.containers.set(info.id, { info, logs: c.logs ?? '', healthSequence: [...(c.healthSequence ?? [])] });
    }
    for (const v of init.volumes ?? []) this.addVolume(typeof v === 'string' ? { name: v } : v);
    for (const i of init.images ?? []) {
      const info = typeof i === 'string' ? { id: `sha256:${i}`, repoTags: [i], repoDigests: [] } : i;
      for (const key of [info.id, ...info.repoTags]) this.images.set(key, info);
    }
  }

  /** addVolume adds (or replaces) a volume with optional files. */
  addVolume(v: { name: string; files?: Record<string, string | Buffer>; labels?: Record<string, string> }): void {
    const info = { name: v.name, driver: 'local', mountpoint: `/var/lib/docker/volumes/${v.name}/_data`, labels: v.labels ?? {} };
    const files = new Map(Object.entries(v.files ?? {}).map(([path, body]) => [path, Buffer.from(body)] as const));
    this.volumes.set(v.name, { info, files });
  }

  /** filesOf returns a volume's files as a plain object of strings (for toEqual), or undefined when it does not exist. */
  filesOf(name: string): Record<string, string> | undefined {
    const volume = this.volumes.get(name);
    return volume && Object.fromEntries([...volume.files].map(([path, body]) => [path, body.toString()]));
  }

  /** failNext makes the next call of `method` (matching `when`, if given) reject with `error`. */
  failNext(method: keyof DockerApi, error: Error, when?: (args: unknown[]) => boolean): this {
    this.#failures.push({ method, error, ...(when ? { when } : {}) });
    return this;
  }

  /** callsTo lists the argument lists of every call to `method`. */
  callsTo(method: keyof DockerApi): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** container returns the current record of a container by id or name (throws if unknown). */
  container(idOrName: string): ContainerInfo {
    const found = this.#find(idOrName);
    if (!found) throw new Error(`FakeDocker: no container ${idOrName}`);
    return found.info;
  }

  async ping(options: CallOptions = {}): Promise<void> {
    this.#record('ping', [options]);
    if (this.#init.ping === 'hang') {
      return new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
    if (this.#init.ping) throw this.#init.ping;
  }

  async version(options: CallOptions = {}): Promise<EngineVersion> {
    this.#record('version', [options]);
    return this.#init.version ?? { version: '20.10.24', apiVersion: '1.41', os: 'linux', arch: 'amd64' };
  }

  async listContainers(filter: ContainerFilter, options: CallOptions = {}): Promise<ContainerInfo[]> {
    this.#record('listContainers', [filter, options]);
    return [...this.containers.values()]
      .map((c) => c.info)
      .filter((c) => filter.name === undefined || c.name === filter.name)
      .filter((c) => (filter.labels ?? []).every((l) => matchesLabel(c.labels, l)));
  }

  async inspectContainer(idOrName: string, options: CallOptions = {}): Promise<ContainerInfo | undefined> {
    this.#record('inspectContainer', [idOrName, options]);
    const found = this.#find(idOrName);
    if (!found) return undefined;
    const next = found.healthSequence.length > 1 ? found.healthSequence.shift() : found.healthSequence[0];
    if (next) found.info = { ...found.info, health: next };
    return found.info;
  }

  async startContainer(id: string, options: CallOptions = {}): Promise<void> {
    this.#record('startContainer', [id, options]);
    const c = this.#must(id);
    c.info = { ...c.info, running: true, state: 'running' };
    delete c.info.exitCode;
    // A wipe helper empties its volume when it runs; an armed one (stdin open) only when told so on
    // stdin (at wait). The fake goes by what the helper is for (its purpose label), never by the
    // text of its command: that command is pinned by volume-stream's tests and run for real by the
    // integration tests.
    if (c.spec?.labels[`${HELPER_LABEL}.purpose`] === 'wipe' && !c.spec.openStdin) this.#wipe(c);
    else if (c.spec) this.#move(c);
  }

  async stopContainer(id: string, options: CallOptions & { timeoutSeconds?: number } = {}): Promise<void> {
    this.#record('stopContainer', [id, options]);
    const c = this.#must(id);
    c.info = { ...c.info, running: false, state: 'exited', exitCode: 0 };
  }

  async containerLogs(id: string, options: CallOptions & { tail: number; timestamps?: boolean }): Promise<string> {
    this.#record('containerLogs', [id, options]);
    return this.#must(id).logs.split('\n').slice(-options.tail).join('\n');
  }

  async inspectContainerRaw(idOrName: string, options: CallOptions = {}): Promise<Record<string, unknown> | undefined> {
    this.#record('inspectContainerRaw', [idOrName, options]);
    const found = this.#find(idOrName);
    if (!found) return undefined;
    const env = found.info.env.names().map((n) => `${n}=${found.info.env.get(n) ?? ''}`);
    return { Id: found.info.id, Name: `/${found.info.name}`, Config: { Image: found.info.image, Env: env, Labels: found.info.labels }, State: { Status: found.info.state, Running: found.info.running } };
  }

  async volumeSize(name: string, options: CallOptions = {}): Promise<number | undefined> {
    this.#record('volumeSize', [name, options]);
    const volume = this.volumes.get(name);
    return volume && [...volume.files.values()].reduce((sum, body) => sum + body.length, 0);
  }

  async inspectVolume(name: string, options: CallOptions = {}): Promise<VolumeInfo | undefined> {
    this.#record('inspectVolume', [name, options]);
    return this.volumes.get(name)?.info;
  }

  async createVolume(name: string, labels: Record<string, string>, options: CallOptions = {}): Promise<void> {
    this.#record('createVolume', [name, labels, options]);
    if (this.volumes.has(name)) throw new Error(`volume ${name} exists`);
    this.addVolume({ name, labels });
  }

  async removeVolume(name: string, options: CallOptions = {}): Promise<void> {
    this.#record('removeVolume', [name, options]);
    this.volumes.delete(name);
  }

  async listVolumes(label: string, options: CallOptions = {}): Promise<string[]> {
    this.#record('listVolumes', [label, options]);
    const [key, value] = label.split('=');
    return [...this.volumes.values()].filter((v) => (value === undefined ? key! in v.info.labels : v.info.labels[key!] === value)).map((v) => v.info.name);
  }

  async inspectImage(ref: string, options: CallOptions = {}): Promise<ImageInfo | undefined> {
    this.#record('inspectImage', [ref, options]);
    return this.images.get(ref);
  }

  async createContainer(spec: HelperContainerSpec, options: CallOptions = {}): Promise<string> {
    this.#record('createContainer', [spec, options]);
    if (!this.images.has(spec.image)) throw new DockerEngineError(`No such image: ${spec.image}`, { statusCode: 404 });
    // Like the engine: a missing volume is created on the fly. Callers must check before.
    for (const m of spec.mounts) if (!this.volumes.has(m.volume)) this.addVolume({ name: m.volume });
    const info = fakeContainer({ name: spec.name, image: spec.image, labels: spec.labels, running: false, state: 'created' });
    this.containers.set(info.id, { info, logs: '', healthSequence: [], spec });
    return info.id;
  }

  async createServiceContainer(spec: ServiceContainerSpec, options: CallOptions = {}): Promise<string> {
    this.#record('createServiceContainer', [spec, options]);
    if (!this.images.has(spec.image)) throw new DockerEngineError(`No such image: ${spec.image}`, { statusCode: 404 });
    if (this.#find(spec.name)) throw new DockerEngineError(`Conflict. The container name "/${spec.name}" is already in use`, { statusCode: 409 });
    for (const m of spec.mounts) if (!this.volumes.has(m.volume)) this.addVolume({ name: m.volume });
    const env = Object.fromEntries(spec.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const mounts = spec.mounts.map((m) => ({ type: 'volume', name: m.volume, source: '', destination: m.target, readOnly: m.readOnly ?? false }));
    const ports = spec.ports.map((p) => ({ containerPort: p.containerPort, protocol: 'tcp', hostIp: p.hostIp, hostPort: p.hostPort }));
    const info = fakeContainer({ name: spec.name, image: spec.image, labels: spec.labels, running: false, state: 'created', env, mounts, ports });
    this.containers.set(info.id, { info, logs: '', healthSequence: [] });
    return info.id;
  }

  async commitContainer(id: string, repo: string, tag: string, options: CallOptions & { labels?: Record<string, string> } = {}): Promise<string> {
    this.#record('commitContainer', [id, repo, tag, options]);
    this.#must(id);
    const info = { id: `sha256:commit-${id}`, repoTags: [`${repo}:${tag}`], repoDigests: [], labels: options.labels ?? {} };
    for (const key of [info.id, ...info.repoTags]) this.images.set(key, info);
    return info.id;
  }

  async createContainerLike(name: string, raw: Record<string, unknown>, image: string, options: CallOptions = {}): Promise<string> {
    this.#record('createContainerLike', [name, raw, image, options]);
    if (!this.images.has(image)) throw new DockerEngineError(`No such image: ${image}`, { statusCode: 404 });
    const labels = ((raw.Config as { Labels?: Record<string, string> } | undefined)?.Labels) ?? {};
    const info = fakeContainer({ name, image, labels, running: false, state: 'created' });
    this.containers.set(info.id, { info, logs: '', healthSequence: [] });
    return info.id;
  }

  async listImages(reference: string, options: CallOptions = {}): Promise<Array<{ id: string; repoTags: string[]; labels: Record<string, string> }>> {
    this.#record('listImages', [reference, options]);
    const glob = new RegExp(`^${reference.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/:]*')}(:.*)?$`);
    const seen = new Map<string, { id: string; repoTags: string[]; labels: Record<string, string> }>();
    for (const i of this.images.values()) if (i.repoTags.some((t) => glob.test(t))) seen.set(i.id, { id: i.id, repoTags: i.repoTags, labels: (i as { labels?: Record<string, string> }).labels ?? {} });
    return [...seen.values()];
  }

  async removeImage(ref: string, options: CallOptions = {}): Promise<void> {
    this.#record('removeImage', [ref, options]);
    this.images.delete(ref);
  }

  async renameContainer(id: string, name: string, options: CallOptions = {}): Promise<void> {
    this.#record('renameContainer', [id, name, options]);
    const c = this.#must(id);
    if (this.#find(name)) throw new DockerEngineError(`Conflict. The container name "/${name}" is already in use`, { statusCode: 409 });
    c.info = { ...c.info, name };
  }

  async removeContainer(id: string, options: CallOptions & { force?: boolean; anonymousVolumes?: boolean } = {}): Promise<void> {
    this.#record('removeContainer', [id, options]);
    const found = this.#find(id);
    if (found) this.containers.delete(found.info.id);
  }

  async waitContainer(id: string, options: CallOptions = {}): Promise<{ statusCode: number }> {
    this.#record('waitContainer', [id, options]);
    const c = this.#must(id);
    let statusCode = c.spec ? (c.moveExit ?? this.#init.helperExitCode ?? 0) : 0;
    if (c.spec?.openStdin) {
      if (c.stdin?.join('') === 'wipe\n') this.#wipe(c);
      else statusCode = 3;
    }
    c.info = { ...c.info, running: false, state: 'exited', exitCode: statusCode };
    return { statusCode };
  }

  async getArchive(id: string, path: string, options: CallOptions = {}): Promise<Readable> {
    this.#record('getArchive', [id, path, options]);
    // `<mount>/<folder>/.` reads one folder as if it were the volume (restore's moved-aside data).
    const sub = path.split('/').slice(2, -1).join('/');
    const files = this.#helperVolume(id).files;
    const picked = sub ? new Map([...files].filter(([p]) => p.startsWith(`${sub}/`)).map(([p, b]) => [p.slice(sub.length + 1), b])) : files;
    return Readable.from([tarOf(picked)]);
  }

  async putArchive(id: string, path: string, tar: Readable, options: CallOptions = {}): Promise<void> {
    this.#record('putArchive', [id, path, options]);
    const volume = this.#helperVolume(id);
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(Buffer.from(chunk as Buffer));
    // Like tar -x: the archive's files are added to (and replace same-named ones in) the volume.
    for (const [path, body] of untar(Buffer.concat(chunks))) volume.files.set(path, body);
  }

  async attachStdin(id: string, options: CallOptions = {}): Promise<Writable> {
    this.#record('attachStdin', [id, options]);
    const c = this.#must(id);
    if (!c.spec?.openStdin) throw new DockerEngineError(`container ${id} was not created with stdin open`, { statusCode: 409 });
    const received: string[] = (c.stdin = []);
    const stdin = new PassThrough();
    stdin.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    return stdin;
  }

  // Restore's moves inside the volume (falkordb-aside.ts), by purpose; the folder names are the
  // helper's arguments (after `sh -c <script> sh`). Exit codes as the scripts': 4 leftover, 6 no folder.
  #move(c: FakeContainer): void {
    const purpose = c.spec!.labels[`${HELPER_LABEL}.purpose`];
    const [folder, discard] = c.spec!.cmd.slice(2);
    const volume = this.volumes.get(c.spec!.mounts[0]?.volume ?? '');
    if (!volume || !folder || (this.#init.helperExitCode ?? 0) !== 0) return;
    const inside = (p: string) => p.startsWith(`${folder}/`);
    const replace = (next: Array<[string, Buffer]>) => {
      volume.files.clear();
      for (const [p, b] of next) volume.files.set(p, b);
    };
    const entries = [...volume.files];
    if (purpose === 'move-aside') {
      if (entries.some(([p]) => /^\.(falkordb_pre_restore_|autocodex-ops-discard-)/.test(p))) c.moveExit = 4;
      else replace(entries.map(([p, b]) => [`${folder}/${p}`, b]));
    } else if (purpose === 'move-back') {
      const back = entries.filter(([p]) => inside(p)).map(([p, b]): [string, Buffer] => [p.slice(folder.length + 1), b]);
      if (discard === undefined) replace([...entries.filter(([p]) => !inside(p)), ...back]);
      else if (back.length === 0) c.moveExit = 6;
      else replace(back);
    } else if (purpose === 'remove-aside') {
      replace(entries.filter(([p]) => !inside(p)));
    } else if (purpose === 'clear-beside-aside') {
      if (!entries.some(([p]) => inside(p))) c.moveExit = 6;
      else replace(entries.filter(([p]) => inside(p)));
    }
  }

  #wipe(c: FakeContainer): void {
    const volume = this.volumes.get(c.spec?.mounts[0]?.volume ?? '');
    if (volume && (this.#init.helperExitCode ?? 0) === 0) volume.files.clear();
  }

  #record(method: keyof DockerApi, args: unknown[]): void {
    this.calls.push({ method, args });
    const index = this.#failures.findIndex((f) => f.method === method && (!f.when || f.when(args)));
    if (index >= 0) {
      const [failure] = this.#failures.splice(index, 1);
      throw failure!.error;
    }
  }

  #find(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.info.name === idOrName);
  }

  #must(idOrName: string): FakeContainer {
    const found = this.#find(idOrName);
    if (!found) throw new DockerEngineError(`No such container: ${idOrName}`, { statusCode: 404 });
    return found;
  }

  #helperVolume(id: string): FakeVolume {
    const name = this.#must(id).spec?.mounts[0]?.volume;
    const volume = name === undefined ? undefined : this.volumes.get(name);
    if (!volume) throw new DockerEngineError(`FakeDocker: container ${id} mounts no volume`, { statusCode: 404 });
    return volume;
  }
}

function matchesLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

const MTIME = new Date('2025-01-01T00:00:00Z');

function header(path: string, type: 'File' | 'Directory', size: number): Buffer {
  const block = Buffer.alloc(512);
  new Header({ path, type, mode: type === 'File' ? 0o644 : 0o755, uid: 0, gid: 0, size, mtime: MTIME }).encode(block, 0);
  return block;
}

/** tarOf writes the files as `tar -C volume -c .` would: `./`, each folder, each file, then the two zero blocks. */
export function tarOf(files: ReadonlyMap<string, Buffer>): Buffer {
  const paths = [...files.keys()].sort();
  const dirs = new Set(paths.flatMap((p) => p.split('/').slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`)));
  const blocks = [header('./', 'Directory', 0), ...[...dirs].sort().map((d) => header(`./${d}`, 'Directory', 0))];
  for (const path of paths) {
    const body = files.get(path)!;
    blocks.push(header(`./${path}`, 'File', body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

/** untar reads the regular files of a plain tar (folders are implied by paths); anything else is a test error. */
export function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const h = new Header(tar, at);
    const size = h.size ?? 0;
    const path = (h.path ?? '').replace(/^(\.\/)+/, '');
    if (h.type === 'File' || h.type === 'OldFile') files.set(path, tar.subarray(at + 512, at + 512 + size));
    else if (h.type !== 'Directory') throw new Error(`FakeDocker: putArchive models files and folders only, got ${h.type} ${h.path}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
