import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

// Docker SDKs (dockerode included) honour DOCKER_HOST but not Docker contexts, so colima and
// OrbStack users, whose engine is only reachable through the current context, would see "not
// reachable" (anchors-and-gotchas.md §B.4). This module reproduces the docker CLI's choice.

/** Everything endpoint resolution reads, passed in so it is testable without a real home folder. */
export interface EndpointInputs {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  platform: NodeJS.Platform;
  /** Reads a UTF-8 file; rejects when it does not exist. */
  readFile: (path: string) => Promise<string>;
}

/** Where the engine listens and why that endpoint was chosen. */
export interface DockerEndpoint {
  /** Normalised URL for messages, e.g. `unix:///var/run/docker.sock`. */
  url: string;
  transport: 'unix' | 'npipe' | 'tcp' | 'ssh';
  socketPath?: string;
  host?: string;
  port?: number;
  username?: string;
  /** TLS for tcp: verify the server certificate; certificates (ca/cert/key.pem) are read from certPath when present. */
  tls?: { verify: boolean; certPath?: string };
  source: 'DOCKER_HOST' | 'context' | 'default';
  /** The Docker context the endpoint came from, when source is `context`. */
  context?: string;
  /** Set when a configured context could not be used and the default endpoint was taken instead. */
  warning?: string;
}

const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
const DEFAULT_NPIPE = '//./pipe/docker_engine';

/** readTextFile is EndpointInputs' `readFile` on the real file system. */
export const readTextFile = (path: string): Promise<string> => readFile(path, 'utf8');

/**
 * resolveDockerEndpoint picks the engine endpoint like the docker CLI: DOCKER_HOST, else the context
 * named by DOCKER_CONTEXT or `currentContext` in `$DOCKER_CONFIG/config.json` (its
 * `contexts/meta/<sha256(name)>/meta.json` → `Endpoints.docker.Host`), else the platform default.
 * A context whose metadata is missing or unreadable falls back to the default with `warning` set;
 * a malformed DOCKER_HOST or context Host throws UsageError.
 */
export async function resolveDockerEndpoint(inputs: EndpointInputs): Promise<DockerEndpoint> {
  const { env } = inputs;
  const configDir = env.DOCKER_CONFIG || join(inputs.homedir, '.docker');
  if (env.DOCKER_HOST) {
    const parsed = parseDockerHost(env.DOCKER_HOST, 'DOCKER_HOST');
    const tls = parsed.transport === 'tcp' ? envTls(env, configDir, parsed.port) : undefined;
    if (tls) parsed.tls = tls;
    return { ...parsed, source: 'DOCKER_HOST' };
  }

  let contextName = env.DOCKER_CONTEXT;
  let warning: string | undefined;
  if (!contextName) {
    try {
      const config = JSON.parse(await inputs.readFile(join(configDir, 'config.json'))) as { currentContext?: unknown };
      if (typeof config.currentContext === 'string') contextName = config.currentContext;
    } catch (error) {
      // A missing config.json is the common case (no context ever chosen); only a corrupt one is worth a word.
      if (!isMissingFile(error)) warning = `Could not read ${join(configDir, 'config.json')}: ${errorText(error)}`;
    }
  }
  if (contextName && contextName !== 'default') {
    const hash = createHash('sha256').update(contextName).digest('hex');
    const metaPath = join(configDir, 'contexts', 'meta', hash, 'meta.json');
    let host: unknown;
    let skipTlsVerify = false;
    try {
      const meta = JSON.parse(await inputs.readFile(metaPath)) as {
        Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
      };
      host = meta.Endpoints?.docker?.Host;
      skipTlsVerify = meta.Endpoints?.docker?.SkipTLSVerify === true;
    } catch (error) {
      warning = `Docker context "${contextName}" was not found (${metaPath}: ${errorText(error)}); using the default endpoint`;
    }
    if (typeof host === 'string' && host !== '') {
      const parsed = parseDockerHost(host, `Docker context "${contextName}"`);
      if (parsed.transport === 'tcp') {
        const certPath = join(configDir, 'contexts', 'tls', hash, 'docker');
        const hasCerts = await inputs.readFile(join(certPath, 'ca.pem')).then(() => true, () => false);
        if (hasCerts) parsed.tls = { verify: !skipTlsVerify, certPath };
        else if (parsed.port === 2376) parsed.tls = { verify: !skipTlsVerify };
      }
      return { ...parsed, source: 'context', context: contextName };
    }
    warning ??= `Docker context "${contextName}" has no docker endpoint; using the default endpoint`;
  }
  return { ...defaultEndpoint(inputs.platform), source: 'default', ...(warning ? { warning } : {}) };
}

/** describeEndpoint renders an endpoint for messages: its URL and where it came from. */
export function describeEndpoint(endpoint: DockerEndpoint): string {
  if (endpoint.source === 'context') return `${endpoint.url} (docker context ${endpoint.context})`;
  if (endpoint.source === 'DOCKER_HOST') return `${endpoint.url} (DOCKER_HOST)`;
  return endpoint.url;
}

type ParsedHost = Omit<DockerEndpoint, 'source' | 'context' | 'warning'>;

/**
 * parseDockerHost turns a DOCKER_HOST-style value (`unix://`, `npipe://`, `tcp://`, `ssh://`, or a
 * bare `host:port`) into an endpoint; anything else throws UsageError naming `origin`.
 */
export function parseDockerHost(value: string, origin: string): ParsedHost {
  const invalid = (why: string) =>
    new UsageError(`${origin} is not a valid Docker endpoint (${why}): ${redactUserInfo(value)}`, {
      hint: 'Use unix:///path/to/docker.sock, tcp://host:port, ssh://user@host or npipe:////./pipe/docker_engine.',
    });
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length) || DEFAULT_UNIX_SOCKET;
    return { url: `unix://${socketPath}`, transport: 'unix', socketPath };
  }
  if (value.startsWith('npipe://')) {
    const socketPath = value.slice('npipe://'.length) || DEFAULT_NPIPE;
    return { url: `npipe://${socketPath}`, transport: 'npipe', socketPath };
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `tcp://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalid('not a URL');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!url.hostname) throw invalid('no host');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const port = url.port ? Number(url.port) : scheme === 'https' ? 2376 : 2375;
    return {
      url: `tcp://${url.host}${url.port ? '' : `:${port}`}`,
      transport: 'tcp',
      host,
      port,
      ...(scheme === 'https' ? { tls: { verify: true } } : {}),
    };
  }
  if (scheme === 'ssh') {
    const port = url.port ? Number(url.port) : 22;
    return {
      url: `ssh://${url.username ? `${url.username}@` : ''}${url.host}`,
      transport: 'ssh',
      host,
      port,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    };
  }
  throw invalid(`unsupported scheme ${scheme}://`);
}

function defaultEndpoint(platform: NodeJS.Platform): ParsedHost {
  return platform === 'win32'
    ? { url: `npipe://${DEFAULT_NPIPE}`, transport: 'npipe', socketPath: DEFAULT_NPIPE }
    : { url: `unix://${DEFAULT_UNIX_SOCKET}`, transport: 'unix', socketPath: DEFAULT_UNIX_SOCKET };
}

// The docker CLI's rules: DOCKER_TLS_VERIFY (any non-empty value) means TLS with verification and
// certificates from DOCKER_CERT_PATH (default: the config folder); 2376 is the conventional TLS port.
function envTls(env: EndpointInputs['env'], configDir: string, port: number | undefined): DockerEndpoint['tls'] {
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && !env.DOCKER_TLS && port !== 2376) return undefined;
  return { verify, certPath: env.DOCKER_CERT_PATH || configDir };
}

function redactUserInfo(value: string): string {
  return value.replace(/\/\/([^/@:]+):[^/@]*@/, '//$1:***@');
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
