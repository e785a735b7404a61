import type { JournalPlace } from '../backup-store/restore-journal.js';
import type { OpsConfig } from '../config/load.js';
import type { Exec } from '../exec/exec.js';
import type { PortBinding as DockerPortBinding } from '../docker/docker.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export type CheckGroup = 'toolchain' | 'codex' | 'security' | 'graphiti' | 'docker' | 'falkordb' | 'backups' | 'repository';

/** What one check concluded; every warn and fail carries a hint saying what to do. */
export interface CheckResult {
  status: CheckStatus;
  message: string;
  hint?: string;
}

/** A port a container publishes on the host (docker's PortBinding with the host port known). */
export type PortBinding = Omit<DockerPortBinding, 'protocol' | 'hostPort'> & { hostPort: number };

/** The facts about a service container that checks use. */
export interface ServiceInfo {
  id: string;
  name: string;
  image: string;
  running: boolean;
  health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  mounts: { type: string; name?: string; destination: string }[];
  ports: PortBinding[];
}

/** The Docker facts the healthcheck needs (narrow port over the core Docker adapter). */
export interface HealthDocker {
  endpoint: string;
  version(): Promise<{ version: string; apiVersion: string }>;
  findService(service: 'falkordb' | 'graphiti-mcp'): Promise<ServiceInfo | undefined>;
  /** Size in bytes of a volume's content, when the engine can tell. */
  volumeSize(name: string): Promise<number | undefined>;
}

/** The FalkorDB facts the healthcheck needs (narrow port over the core FalkorDB client). */
export interface HealthFalkor {
  ping(): Promise<{ reply: string; rttMs: number }>;
  configGet(name: string): Promise<string | undefined>;
  info(section: string): Promise<Record<string, string>>;
}

/** Everything a check may use; Docker and FalkorDB are connected once, on first use, and shared. */
export interface CheckContext {
  config: OpsConfig;
  exec: Exec;
  now(): Date;
  home: string;
  signal: AbortSignal;
  /**
   * The environment and working folder programs run with: they let checks find a program on PATH
   * and see through a pyenv shim. Without them, checks run programs by name only.
   */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Where restore journals are (opsStateDir and PRE_RESTORE_BACKUP_DIR); without it, PRE_RESTORE_BACKUP_DIR only. */
  journals?: JournalPlace;
  /** Rejects with PrerequisiteError when the engine is unreachable. */
  docker(): Promise<HealthDocker>;
  /** An authenticated connection with the configured password; rejects when unreachable or refused. */
  falkor(): Promise<HealthFalkor>;
  /** Whether the server refuses an unauthenticated PING (NOAUTH); rejects when unreachable. */
  falkorAuthRequired(): Promise<boolean>;
  /** Free bytes on the filesystem holding `path` (or its nearest existing parent). */
  freeBytes(path: string): Promise<number>;
  /**
   * The newest offsite copy of each kind, from a listing of the S3 prefix; undefined when no store
   * is configured. Wired by the command layer (offsite is a use case of its own); rejects when the
   * store cannot be listed.
   */
  offsiteNewest?(): Promise<OffsiteNewest | undefined>;
}

/** What offsite-freshness reads: where, and the newest archive of each kind there (by the time in its name). */
export interface OffsiteNewest {
  location: string;
  newest: Array<{ kind: string; name: string; at: Date }>;
}

/** A check is data: id, group, and a run function; Graphiti-only checks are skipped when Graphiti is off. */
export interface Check {
  id: string;
  group: CheckGroup;
  title: string;
  requiresGraphiti?: boolean;
  /** Checks that read whole archives get more time than the per-check default. */
  minTimeoutMs?: number;
  run(ctx: CheckContext): Promise<CheckResult>;
}

/** One row of the report (CONTRACT `--json` healthcheck shape). */
export interface CheckReport extends CheckResult {
  id: string;
  group: CheckGroup;
  durationMs: number;
}

export interface HealthReport {
  status: 'ok' | 'warn' | 'fail';
  profile: 'default' | 'production';
  checks: CheckReport[];
  summary: Record<CheckStatus, number>;
}

/** SkipCheck ends a check with status skip and the given reason (e.g. Docker is unavailable). */
export class SkipCheck extends Error {}

/** ok/warn/fail/skip builders keep check bodies short. */
export const ok = (message: string): CheckResult => ({ status: 'ok', message });
export const skip = (message: string): CheckResult => ({ status: 'skip', message });
export const warn = (message: string, hint: string): CheckResult => ({ status: 'warn', message, hint });
export const fail = (message: string, hint: string): CheckResult => ({ status: 'fail', message, hint });
/** escalate returns a fail when the rule is enforced (production or AUTO_CODEX_ENFORCE_*), else a warn. */
export const escalate = (enforced: boolean, message: string, hint: string): CheckResult =>
  enforced ? fail(message, hint) : warn(message, hint);
