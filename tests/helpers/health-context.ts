import { loadConfig } from '../../src/core/config/load.js';
import { PrerequisiteError } from '../../src/core/errors.js';
import type { CheckContext, HealthDocker, HealthFalkor, ServiceInfo } from '../../src/core/health/types.js';
import { FakeExec } from './fake-exec.js';

export interface FakeHealthOptions {
  env?: Record<string, string>;
  files?: Record<string, string>;
  root?: string;
  home?: string;
  exec?: FakeExec;
  now?: Date;
  /** undefined: engine unreachable. */
  services?: Partial<Record<'falkordb' | 'graphiti-mcp', ServiceInfo>>;
  dockerDown?: boolean;
  /** undefined: FalkorDB unreachable. */
  falkor?: { config?: Record<string, string>; info?: Record<string, string>; authRequired?: boolean; refusesPassword?: boolean; hang?: boolean };
  freeBytes?: number;
  volumeSize?: number;
  /** The environment programs run with (PATH lookups); absent: programs are run by name. */
  programEnv?: Record<string, string>;
  cwd?: string;
}

/** fakeService builds a running FalkorDB-like container record with the hardened defaults. */
export function fakeService(over: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    id: 'c0ffee',
    name: 'auto-codex-falkordb',
    image: 'falkordb/falkordb:v4.2.1',
    running: true,
    health: 'healthy',
    mounts: [{ type: 'volume', name: 'auto-codex_falkordb_data', destination: '/var/lib/falkordb/data' }],
    ports: [{ hostIp: '127.0.0.1', hostPort: 6380, containerPort: 6379 }],
    ...over,
  };
}

/** fakeHealthContext builds a CheckContext from plain values: real config loader, fake exec/Docker/FalkorDB. */
export function fakeHealthContext(o: FakeHealthOptions = {}): CheckContext {
  const { config } = loadConfig({ env: o.env ?? {}, files: o.files ?? {}, root: o.root ?? '/srv/ac', home: o.home ?? '/home/u', platform: 'linux' });
  const never = new Promise<never>(() => undefined);
  const docker: HealthDocker = {
    endpoint: 'unix:///var/run/docker.sock',
    version: async () => ({ version: '20.10.24', apiVersion: '1.41' }),
    findService: async (s) => o.services?.[s],
    volumeSize: async () => o.volumeSize,
  };
  const falkor: HealthFalkor = {
    ping: async () => (o.falkor?.hang ? never : { reply: 'PONG', rttMs: 0.4 }),
    configGet: async (name) => (o.falkor?.hang ? never : o.falkor?.config?.[name]),
    info: async () => o.falkor?.info ?? { loading: '0' },
  };
  const unreachable = () => new PrerequisiteError(`FalkorDB at ${config.falkordb.host}:${config.falkordb.port} is unreachable: connect ECONNREFUSED`);
  return {
    config,
    exec: o.exec ?? new FakeExec(),
    now: () => o.now ?? new Date('2026-11-29T12:00:00Z'),
    home: o.home ?? '/home/u',
    signal: new AbortController().signal,
    docker: async () => {
      if (o.dockerDown) throw new PrerequisiteError('Docker engine is not reachable at unix:///var/run/docker.sock', { hint: 'Start Docker.' });
      return docker;
    },
    falkor: async () => {
      if (!o.falkor) throw unreachable();
      if (o.falkor.hang) return never;
      if (o.falkor.refusesPassword) throw new PrerequisiteError('FalkorDB refused the password (WRONGPASS)', { hint: 'check the password' });
      return falkor;
    },
    falkorAuthRequired: async () => {
      if (!o.falkor) throw unreachable();
      if (o.falkor.hang) return never;
      return o.falkor.authRequired ?? true;
    },
    freeBytes: async () => o.freeBytes ?? 100 * 1024 ** 3,
    ...(o.programEnv ? { env: o.programEnv } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
  };
}
