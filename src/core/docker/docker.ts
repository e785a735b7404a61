import type { Readable, Writable } from 'node:stream';
import type { ContainerEnv } from './container-env.js';
import type { DockerEndpoint, EndpointInputs } from './endpoint.js';

// The narrow Docker port that core code depends on. Only types and the lazy factory live here:
// dockerode is loaded by `createDockerApi` on first use, so commands that never talk to Docker
// (config, audit, lock-deps) do not pay for it.

/** Health as Docker reports it; `none` means the container has no healthcheck. */
export type HealthStatus = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** One mount of a container (`Mounts[]` of `docker inspect`). */
export interface MountInfo {
  type: string;
  /** Volume name for `type: 'volume'`; undefined for bind mounts. */
  name?: string;
  source: string;
  destination: string;
  readOnly: boolean;
}

/** A published port: `hostIp:hostPort -> containerPort/protocol`; hostPort is undefined when Docker picks it. */
export interface PortBinding {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort?: number;
}

/**
 * ContainerInfo is the plain record core code sees for a container. `env` may hold secrets: it
 * serialises with masked values and must never be logged through `get`.
 */
export interface ContainerInfo {
  id: string;
  /** Name without Docker's leading `/`. */
  name: string;
  /** The image reference the container was created from (`Config.Image`). */
  image: string;
  /** The image id (`sha256:…`); still valid when the tag has since moved. */
  imageId: string;
  /** Docker's state: created, running, paused, restarting, removing, exited, dead. */
  state: string;
  running: boolean;
  exitCode?: number;
  health: HealthStatus;
  labels: Readonly<Record<string, string>>;
  mounts: MountInfo[];
  ports: PortBinding[];
  env: ContainerEnv;
  /** ISO timestamp of creation. */
  created: string;
  startedAt?: string;
  finishedAt?: string;
  /** How often the engine restarted it under its restart policy (`RestartCount`). */
  restartCount?: number;
}

/** Engine identity from `GET /version`. */
export interface EngineVersion {
  version: string;
  apiVersion: string;
  os?: string;
  arch?: string;
}

/** A named volume (`docker volume inspect`). */
export interface VolumeInfo {
  name: string;
  driver: string;
  mountpoint: string;
  labels: Readonly<Record<string, string>>;
  createdAt?: string;
}

/** A local image (`docker image inspect`). */
export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
}

/** Container list filter: every label (`key=value` or bare `key`) must match; `name` is matched exactly. */
export interface ContainerFilter {
  labels?: readonly string[];
  name?: string;
}

/** A volume to mount into a helper container; never created implicitly (callers check it exists). */
export interface HelperMount {
  volume: string;
  target: string;
  readOnly?: boolean;
}

/** What a short-lived helper container runs; no network, explicit entrypoint, never started by `createContainer`. */
export interface HelperContainerSpec {
  name: string;
  image: string;
  entrypoint: string[];
  cmd: string[];
  labels: Record<string, string>;
  mounts: HelperMount[];
  user?: string;
  /** Keep stdin open for one attach (attachStdin); closing that attach closes the container's stdin. */
  openStdin?: boolean;
}

/**
 * A long-running service container, created as `docker run -d --name … --restart … -p … -v … -e … <image>`
 * would (harden brings FalkorDB up the way the Desktop UI starts it). `env` may hold a secret: it goes
 * into the container's config only, never into an argv or a log.
 */
export interface ServiceContainerSpec {
  name: string;
  image: string;
  env: string[];
  labels: Record<string, string>;
  restartPolicy: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  ports: Array<{ containerPort: number; hostIp: string; hostPort?: number }>;
  mounts: HelperMount[];
}

/** Options shared by every call: an AbortSignal that cancels the HTTP request. */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * DockerApi is the only way core code talks to Docker. Methods reject with the engine's error except
 * where noted; lookups return undefined on 404; start/stop of a container already in that state succeed.
 */
export interface DockerApi {
  /** Where the engine is, for messages: `unix:///var/run/docker.sock (context colima)`. */
  readonly endpoint: string;
  ping(options?: CallOptions): Promise<void>;
  version(options?: CallOptions): Promise<EngineVersion>;
  /** Lists containers, stopped ones included, with full inspect data. */
  listContainers(filter: ContainerFilter, options?: CallOptions): Promise<ContainerInfo[]>;
  inspectContainer(idOrName: string, options?: CallOptions): Promise<ContainerInfo | undefined>;
  startContainer(id: string, options?: CallOptions): Promise<void>;
  stopContainer(id: string, options?: CallOptions & { timeoutSeconds?: number }): Promise<void>;
  /** The last `tail` lines of stdout and stderr, demultiplexed, in order; `timestamps` prefixes each with the engine's RFC 3339 time. */
  containerLogs(id: string, options: CallOptions & { tail: number; timestamps?: boolean }): Promise<string>;
  /**
   * The engine's own inspect document of a container (`GET /containers/{id}/json`), undefined on 404.
   * It holds the environment and command line in clear: callers mask it before it goes anywhere.
   */
  inspectContainerRaw(idOrName: string, options?: CallOptions): Promise<Record<string, unknown> | undefined>;
  /** Bytes used by a volume's content as the engine counts them (`GET /system/df`); undefined when it cannot tell. */
  volumeSize(name: string, options?: CallOptions): Promise<number | undefined>;
  inspectVolume(name: string, options?: CallOptions): Promise<VolumeInfo | undefined>;
  /** Creates a named local volume with labels (a scratch volume); fails if the name is taken. */
  createVolume(name: string, labels: Record<string, string>, options?: CallOptions): Promise<void>;
  /** Removes a volume; one that is already gone is not an error. */
  removeVolume(name: string, options?: CallOptions): Promise<void>;
  /** Names of the volumes carrying `label` (`key` or `key=value`). */
  listVolumes(label: string, options?: CallOptions): Promise<string[]>;
  inspectImage(ref: string, options?: CallOptions): Promise<ImageInfo | undefined>;
  /** Creates (does not start) a container and returns its id; never pulls the image. */
  createContainer(spec: HelperContainerSpec, options?: CallOptions): Promise<string>;
  /** Creates (does not start) a service container and returns its id; never pulls the image (a missing one rejects with 404). */
  createServiceContainer(spec: ServiceContainerSpec, options?: CallOptions): Promise<string>;
  /** Renames a container (`docker rename`); rejects when the new name is taken. */
  renameContainer(id: string, name: string, options?: CallOptions): Promise<void>;
  /** Commits a container's filesystem (its writable layer included, volumes not) as `repo:tag` (`docker commit`) with extra `labels`; returns the image id. */
  commitContainer(id: string, repo: string, tag: string, options?: CallOptions & { labels?: Record<string, string> }): Promise<string>;
  /** Lists the local images whose name matches `reference` (`repo`, `repo:tag`, globs as the engine takes them), with their labels. */
  listImages(reference: string, options?: CallOptions): Promise<Array<{ id: string; repoTags: string[]; labels: Record<string, string> }>>;
  /**
   * Creates (does not start) a container from a raw inspect document's `Config` and `HostConfig`
   * (see inspectContainerRaw), with `image` instead of its own: a clone of a removed container.
   */
  createContainerLike(name: string, raw: Record<string, unknown>, image: string, options?: CallOptions): Promise<string>;
  /** Removes an image; one that is already gone is not an error. */
  removeImage(ref: string, options?: CallOptions): Promise<void>;
  /**
   * Removes a container; one that is already gone is not an error. `anonymousVolumes` also removes
   * the anonymous volumes it created (an image's `VOLUME`); named volumes are never removed.
   */
  removeContainer(id: string, options?: CallOptions & { force?: boolean; anonymousVolumes?: boolean }): Promise<void>;
  /** Waits until the container stops and returns its exit code. */
  waitContainer(id: string, options?: CallOptions): Promise<{ statusCode: number }>;
  /** Streams `path` out of the container as an uncompressed tar (works on created or stopped containers). */
  getArchive(id: string, path: string, options?: CallOptions): Promise<Readable>;
  /** Extracts a tar stream (uncompressed or gzip) into the existing directory `path` in the container. */
  putArchive(id: string, path: string, tar: Readable, options?: CallOptions): Promise<void>;
  /** Attaches to the stdin of a container created with `openStdin`; what is written there reaches its process. */
  attachStdin(id: string, options?: CallOptions): Promise<Writable>;
}

/** How to reach the engine: an explicit endpoint, or the inputs to resolve it (process env and ~/.docker by default). */
export interface CreateDockerApiOptions {
  endpoint?: DockerEndpoint;
  /** The caller's environment, home folder and platform (the Runtime's; core never reads the process). */
  inputs: Pick<EndpointInputs, 'env' | 'homedir' | 'platform'> & Partial<EndpointInputs>;
}

/**
 * createDockerApi resolves the engine endpoint (DOCKER_HOST, then the current Docker context, then the
 * platform default) and returns a dockerode-backed DockerApi. It does not contact the engine; an invalid
 * DOCKER_HOST or context endpoint throws UsageError.
 */
export async function createDockerApi(options: CreateDockerApiOptions): Promise<DockerApi> {
  const { resolveDockerEndpoint, readTextFile } = await import('./endpoint.js');
  const endpoint = options.endpoint ?? (await resolveDockerEndpoint({ readFile: readTextFile, ...options.inputs }));
  const { DockerodeAdapter } = await import('./dockerode-adapter.js');
  return new DockerodeAdapter(endpoint, { sshAgent: options.inputs.env.SSH_AUTH_SOCK });
}
