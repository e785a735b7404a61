import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import Docker from 'dockerode';
import { UsageError } from '../errors.js';
import type {
  CallOptions,
  ContainerFilter,
  ContainerInfo,
  DockerApi,
  EngineVersion,
  HelperContainerSpec,
  ImageInfo,
  ServiceContainerSpec,
  VolumeInfo,
} from './docker.js';
import { isNotFound, statusOf, toDockerError } from './docker-errors.js';
import { describeEndpoint, type DockerEndpoint } from './endpoint.js';
import {
  demuxDockerLogs,
  mapContainerInspect,
  mapImageInspect,
  mapVolumeInspect,
  type RawContainerInspect,
} from './inspect-mapping.js';

const INSPECT_BATCH = 5;

// The only module that imports dockerode; docker.ts loads it lazily. Every method maps transport
// and engine errors through toDockerError so callers only ever see OpsErrors.

/**
 * DockerodeAdapter implements DockerApi over dockerode for one resolved endpoint. It never pulls
 * images; connection failures reject with PrerequisiteError (exit 10), aborts with InterruptedError.
 */
export class DockerodeAdapter implements DockerApi {
  readonly endpoint: string;
  readonly #docker: Docker;

  /** `sshAgent` is the ssh-agent socket (the caller's SSH_AUTH_SOCK) for an ssh:// endpoint. */
  constructor(endpoint: DockerEndpoint, options: { sshAgent?: string } = {}) {
    this.endpoint = describeEndpoint(endpoint);
    try {
      this.#docker = new Docker(modemOptions(endpoint, options.sshAgent));
    } catch (error) {
      // docker-modem parses process.env.DOCKER_HOST itself before applying our options.
      throw new UsageError(`Cannot use Docker endpoint ${this.endpoint}: ${(error as Error).message}`, { cause: error });
    }
  }

  // @types/dockerode omits the options argument (and so abortSignal) that these calls accept at runtime.
  get #loose(): { ping(o: object): Promise<unknown>; version(o: object): Promise<Docker.DockerVersion> } {
    return this.#docker as unknown as { ping(o: object): Promise<unknown>; version(o: object): Promise<Docker.DockerVersion> };
  }

  async ping(options: CallOptions = {}): Promise<void> {
    await this.#call('Docker ping failed', () => this.#loose.ping({ abortSignal: options.signal }));
  }

  async version(options: CallOptions = {}): Promise<EngineVersion> {
    const v = await this.#call('Reading the Docker engine version failed', () =>
      this.#loose.version({ abortSignal: options.signal }),
    );
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async listContainers(filter: ContainerFilter, options: CallOptions = {}): Promise<ContainerInfo[]> {
    const filters: Record<string, string[]> = {};
    if (filter.labels?.length) filters.label = [...filter.labels];
    // The engine's name filter is an unanchored regex over "/name"; anchor and escape it for an exact match.
    if (filter.name !== undefined) filters.name = [`^/${escapeRegExp(filter.name)}$`];
    const summaries = await this.#call('Listing containers failed', () =>
      this.#docker.listContainers({ all: true, filters, abortSignal: options.signal }),
    );
    // A few inspects at a time: gentle on the engine, and a host with many containers does not pile
    // dozens of abort listeners onto one signal (Node warns past 10).
    const found: (ContainerInfo | undefined)[] = [];
    for (let i = 0; i < summaries.length; i += INSPECT_BATCH) {
      found.push(...(await Promise.all(summaries.slice(i, i + INSPECT_BATCH).map((s) => this.inspectContainer(s.Id, options)))));
    }
    return found.filter((c): c is ContainerInfo => c !== undefined);
  }

  async inspectContainer(idOrName: string, options: CallOptions = {}): Promise<ContainerInfo | undefined> {
    const raw = await this.#lookup(`Inspecting container ${idOrName} failed`, () =>
      this.#docker.getContainer(idOrName).inspect({ abortSignal: options.signal }),
    );
    return raw && mapContainerInspect(raw as unknown as RawContainerInspect);
  }

  async startContainer(id: string, options: CallOptions = {}): Promise<void> {
    await this.#call(`Starting container ${id} failed`, () => this.#docker.getContainer(id).start({ abortSignal: options.signal }), 304);
  }

  async stopContainer(id: string, options: CallOptions & { timeoutSeconds?: number } = {}): Promise<void> {
    const opts = { abortSignal: options.signal, ...(options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds }) };
    await this.#call(`Stopping container ${id} failed`, () => this.#docker.getContainer(id).stop(opts), 304);
  }

  async containerLogs(id: string, options: CallOptions & { tail: number; timestamps?: boolean }): Promise<string> {
    const data: unknown = await this.#call(`Reading logs of container ${id} failed`, () =>
      this.#docker.getContainer(id).logs({ stdout: true, stderr: true, tail: options.tail, timestamps: options.timestamps ?? false, follow: false, abortSignal: options.signal }),
    );
    // docker-modem hands back parsed JSON when the whole log happens to be valid JSON.
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
    return demuxDockerLogs(buffer);
  }

  async inspectContainerRaw(idOrName: string, options: CallOptions = {}): Promise<Record<string, unknown> | undefined> {
    const raw = await this.#lookup(`Inspecting container ${idOrName} failed`, () =>
      this.#docker.getContainer(idOrName).inspect({ abortSignal: options.signal }),
    );
    return raw as unknown as Record<string, unknown> | undefined;
  }

  async inspectVolume(name: string, options: CallOptions = {}): Promise<VolumeInfo | undefined> {
    const raw = await this.#lookup(`Inspecting volume ${name} failed`, () =>
      this.#docker.getVolume(name).inspect({ abortSignal: options.signal }),
    );
    return raw && mapVolumeInspect(raw);
  }

  async createVolume(name: string, labels: Record<string, string>, options: CallOptions = {}): Promise<void> {
    await this.#call(`Creating volume ${name} failed`, () =>
      this.#docker.createVolume({ Name: name, Driver: 'local', Labels: labels, abortSignal: options.signal } as Docker.VolumeCreateOptions),
    );
  }

  async removeVolume(name: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.#docker.getVolume(name).remove({ abortSignal: options.signal });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toDockerError(error, `Removing volume ${name} failed`, this.endpoint);
    }
  }

  async listVolumes(label: string, options: CallOptions = {}): Promise<string[]> {
    const out = (await this.#call('Listing volumes failed', () =>
      this.#docker.listVolumes({ filters: JSON.stringify({ label: [label] }), abortSignal: options.signal } as object),
    )) as { Volumes?: Array<{ Name: string }> | null };
    return (out.Volumes ?? []).map((v) => v.Name);
  }

  async volumeSize(name: string, options: CallOptions = {}): Promise<number | undefined> {
    // /system/df walks every volume; dockerode's df() sends no query, so dial directly: engines with
    // API 1.42+ then size volumes only (older ones ignore `type`). Size -1 means "not computed".
    const modem = (this.#docker as unknown as { modem: { dial(o: object, cb: (err: unknown, data: unknown) => void): void } }).modem;
    type DiskUsage = { Volumes?: { Name: string; UsageData?: { Size?: number } | null }[] | null };
    const data = await this.#call('Reading Docker disk usage failed', () =>
      new Promise<DiskUsage>((resolve, reject) => {
        modem.dial(
          { path: '/system/df?', method: 'GET', options: { type: 'volume' }, abortSignal: options.signal, statusCodes: { 200: true, 500: 'server error' } },
          (err, out) => (err ? reject(err) : resolve(out as DiskUsage)),
        );
      }),
    );
    const size = data.Volumes?.find((v) => v.Name === name)?.UsageData?.Size;
    return typeof size === 'number' && size >= 0 ? size : undefined;
  }

  async inspectImage(ref: string, options: CallOptions = {}): Promise<ImageInfo | undefined> {
    const raw = await this.#lookup(`Inspecting image ${ref} failed`, () =>
      this.#docker.getImage(ref).inspect({ abortSignal: options.signal } as Docker.ImageInspectOptions),
    );
    return raw && mapImageInspect(raw);
  }

  async createContainer(spec: HelperContainerSpec, options: CallOptions = {}): Promise<string> {
    const container = await this.#call(`Creating helper container ${spec.name} failed`, () =>
      this.#docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Entrypoint: spec.entrypoint,
        Cmd: spec.cmd,
        Labels: spec.labels,
        ...(spec.user === undefined ? {} : { User: spec.user }),
        Tty: false,
        AttachStdin: spec.openStdin ?? false,
        OpenStdin: spec.openStdin ?? false,
        StdinOnce: spec.openStdin ?? false,
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          AutoRemove: false,
          // NoCopy: never seed the volume with the image's content at the mount point.
          Mounts: spec.mounts.map((m) => ({
            Type: 'volume' as const,
            Source: m.volume,
            Target: m.target,
            ReadOnly: m.readOnly ?? false,
            VolumeOptions: { NoCopy: true } as Docker.MountSettings['VolumeOptions'],
          })),
        },
        abortSignal: options.signal,
      }),
    );
    return container.id;
  }

  async createServiceContainer(spec: ServiceContainerSpec, options: CallOptions = {}): Promise<string> {
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of spec.ports) (bindings[`${p.containerPort}/tcp`] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort === undefined ? '' : String(p.hostPort) });
    const container = await this.#call(`Creating container ${spec.name} from ${spec.image} failed`, () =>
      this.#docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: spec.env,
        Labels: spec.labels,
        ExposedPorts: Object.fromEntries(Object.keys(bindings).map((k) => [k, {}])),
        HostConfig: {
          RestartPolicy: { Name: spec.restartPolicy },
          PortBindings: bindings,
          Mounts: spec.mounts.map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false })),
        },
        abortSignal: options.signal,
      }),
    );
    return container.id;
  }

  async commitContainer(id: string, repo: string, tag: string, options: CallOptions & { labels?: Record<string, string> } = {}): Promise<string> {
    // `changes` takes Dockerfile instructions; the values here are names and stamps (no quotes or blanks).
    const changes = Object.entries(options.labels ?? {}).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);
    const out = await this.#call(`Committing container ${id} as ${repo}:${tag} failed`, () =>
      this.#docker.getContainer(id).commit({ repo, tag, pause: true, ...(changes.length ? { changes } : {}), abortSignal: options.signal }),
    );
    return String((out as { Id?: string }).Id ?? '');
  }

  async listImages(reference: string, options: CallOptions = {}): Promise<Array<{ id: string; repoTags: string[]; labels: Record<string, string> }>> {
    const list = await this.#call('Listing images failed', () => this.#docker.listImages({ filters: { reference: [reference] }, abortSignal: options.signal } as Docker.ListImagesOptions));
    return list.map((i) => ({ id: i.Id, repoTags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), labels: i.Labels ?? {} }));
  }

  async createContainerLike(name: string, raw: Record<string, unknown>, image: string, options: CallOptions = {}): Promise<string> {
    const config = (raw.Config ?? {}) as Record<string, unknown>;
    const container = await this.#call(`Creating container ${name} from ${image} failed`, () =>
      this.#docker.createContainer({
        ...config,
        name,
        Image: image,
        HostConfig: raw.HostConfig as Docker.HostConfig,
        // Back on its networks with its aliases (compose's service name), so its peers find it again.
        NetworkingConfig: {
          EndpointsConfig: Object.fromEntries(
            Object.entries(((raw.NetworkSettings as { Networks?: Record<string, { Aliases?: string[] }> } | undefined)?.Networks) ?? {}).map(([net, v]) => [net, { Aliases: v.Aliases ?? [] }]),
          ),
        },
        abortSignal: options.signal,
      } as Docker.ContainerCreateOptions),
    );
    return container.id;
  }

  async removeImage(ref: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.#docker.getImage(ref).remove({ abortSignal: options.signal } as Docker.ImageRemoveOptions);
    } catch (error) {
      if (isNotFound(error)) return;
      throw toDockerError(error, `Removing image ${ref} failed`, this.endpoint);
    }
  }

  async renameContainer(id: string, name: string, options: CallOptions = {}): Promise<void> {
    await this.#call(`Renaming container ${id} to ${name} failed`, () => this.#docker.getContainer(id).rename({ name, abortSignal: options.signal }));
  }

  async removeContainer(id: string, options: CallOptions & { force?: boolean; anonymousVolumes?: boolean } = {}): Promise<void> {
    try {
      const opts = { force: options.force ?? false, v: options.anonymousVolumes ?? false, abortSignal: options.signal };
      await this.#docker.getContainer(id).remove(opts);
    } catch (error) {
      // Gone already, or the engine is removing it (AutoRemove): both mean "it will not linger".
      if (isNotFound(error) || (statusOf(error) === 409 && /in progress/i.test(String(error)))) return;
      throw toDockerError(error, `Removing container ${id} failed`, this.endpoint);
    }
  }

  async waitContainer(id: string, options: CallOptions = {}): Promise<{ statusCode: number }> {
    const result = await this.#call(`Waiting for container ${id} failed`, () =>
      this.#docker.getContainer(id).wait({ abortSignal: options.signal }),
    );
    return { statusCode: Number((result as { StatusCode?: number }).StatusCode ?? -1) };
  }

  async getArchive(id: string, path: string, options: CallOptions = {}): Promise<Readable> {
    return (await this.#call(`Reading ${path} from container ${id} failed`, () =>
      this.#docker.getContainer(id).getArchive({ path, abortSignal: options.signal }),
    )) as unknown as Readable;
  }

  async putArchive(id: string, path: string, tar: Readable, options: CallOptions = {}): Promise<void> {
    await this.#call(`Writing to ${path} in container ${id} failed`, () =>
      this.#docker.getContainer(id).putArchive(tar, { path, abortSignal: options.signal }),
    );
  }

  async attachStdin(id: string, options: CallOptions = {}): Promise<Writable> {
    // hijack: the raw connection, so writes reach the container's stdin unframed.
    return (await this.#call(`Attaching to container ${id} failed`, () =>
      this.#docker.getContainer(id).attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true, abortSignal: options.signal }),
    )) as unknown as Writable;
  }

  async #call<T>(what: string, fn: () => Promise<T>, okStatus?: number): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (okStatus !== undefined && statusOf(error) === okStatus) return undefined as T;
      throw toDockerError(error, what, this.endpoint);
    }
  }

  async #lookup<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toDockerError(error, what, this.endpoint);
    }
  }
}

// Every modem key is set, even to undefined: docker-modem merges our options over defaults it
// derives from process.env.DOCKER_HOST, which must not leak into an endpoint chosen otherwise.
function modemOptions(endpoint: DockerEndpoint, sshAgent: string | undefined): Docker.DockerOptions & { pathPrefix?: string } {
  const base = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };
  if (endpoint.transport === 'unix' || endpoint.transport === 'npipe') return { ...base, socketPath: endpoint.socketPath };
  if (endpoint.transport === 'ssh') {
    return {
      ...base,
      protocol: 'ssh',
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      sshOptions: { agent: sshAgent },
    };
  }
  if (!endpoint.tls) return { ...base, protocol: 'http', host: endpoint.host, port: endpoint.port, pathPrefix: '/' };
  const certs = readCerts(endpoint.tls.certPath);
  return {
    ...base,
    ...certs,
    protocol: 'https',
    host: endpoint.host,
    port: endpoint.port,
    pathPrefix: '/',
    ...(endpoint.tls.verify ? {} : { agent: new Agent({ rejectUnauthorized: false, ...certs }) }),
  } as Docker.DockerOptions;
}

function readCerts(certPath: string | undefined): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  if (!certPath) return {};
  const read = (file: string) => {
    try {
      return readFileSync(join(certPath, file));
    } catch {
      return undefined; // absent certificates: fall back to the system trust store, like the docker CLI
    }
  };
  const [ca, cert, key] = [read('ca.pem'), read('cert.pem'), read('key.pem')];
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
