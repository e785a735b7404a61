import { readFile, statfs } from 'node:fs/promises';
import { arch, release, type as osType, version as osVersion } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readTrail } from '../core/audit/show.js';
import { verifyAuditTrail } from '../core/audit/verify.js';
import { listBackups } from '../core/backup-store/catalog.js';
import { describeConfig } from '../core/config/describe.js';
import type { OpsConfig } from '../core/config/load.js';
import { createExec } from '../core/exec/exec.js';
import { createLiveConnectors } from '../core/health/live-connectors.js';
import { runHealthcheck } from '../core/health/run-healthcheck.js';
import type { HealthReport } from '../core/health/types.js';
import { redactText, SECRET_KEY } from '../core/redact/redact.js';
import { auditCollector } from '../core/support-bundle/collect-audit.js';
import { diskCollector } from '../core/support-bundle/collect-disk.js';
import { dockerCollector } from '../core/support-bundle/collect-docker.js';
import { healthCollector } from '../core/support-bundle/collect-health.js';
import { projectsOf } from '../core/stack/projects.js';
import { taskLogsCollector } from '../core/support-bundle/collect-task-logs.js';
import { userdataCollector } from '../core/support-bundle/collect-userdata.js';
import { versionsCollector } from '../core/support-bundle/collect-versions.js';
import { BundleRedactor } from '../core/support-bundle/redactor.js';
import type { Collector } from '../core/support-bundle/types.js';
import type { App } from '../app.js';
import { renderVerify } from '../output/audit.js';
import { renderConfig } from '../output/config.js';
import { VERSION } from '../version.js';

/** The options the collectors need from the command line. */
export interface BundleWiringOptions {
  projects: string[];
  tail: number;
  since?: Date;
}

const memo = <T>(factory: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= factory());
};

async function nearestFree(path: string): Promise<number> {
  for (let p = path; ; p = dirname(p)) {
    const st = await statfs(p).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' && dirname(p) !== p ? undefined : Promise.reject(err)));
    if (st) return st.bavail * st.bsize;
  }
}

/** learnDotenvSecrets adds every secret-named value of a .env file to the redactor; the file itself is never collected. */
async function learnDotenvSecrets(path: string, redactor: BundleRedactor): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  for (const [key, value] of Object.entries(parseDotenv(text))) if (SECRET_KEY.test(key)) redactor.addSecret(value);
}

/**
 * bundleCollectors wires the support bundle's collectors to the real world: the healthcheck use
 * case (without recording the image pair: a bundle changes nothing), the audit trail, the Docker
 * engine (connected once, on first use), the userData folder and the projects. The redactor first
 * learns the secret values of every .env file it can see.
 */
export async function bundleCollectors(config: OpsConfig, options: BundleWiringOptions, app: App): Promise<{ collectors: Collector[]; redactor: BundleRedactor }> {
  const { runtime } = app;
  const { signal, env } = runtime;
  const redactor = new BundleRedactor(redactText);
  const projects = options.projects.length ? options.projects.map((p) => resolve(runtime.cwd, p)) : (await projectsOf(config.userdataDir)).paths;
  const dotenvs = ['auto-codex/.env', '.env', 'auto-codex-ui/.env', 'auto-codex/.env.local'].map((f) => join(config.root, f));
  for (const p of projects) dotenvs.push(join(p, '.auto-codex', '.env'), join(p, '.env'));
  await Promise.all(dotenvs.map((f) => learnDotenvSecrets(f, redactor)));

  const exec = createExec();
  const docker = memo(async () => {
    const d = await import('../core/docker/index.js');
    const api = await app.docker();
    await d.pingEngine(api, { signal });
    return api;
  });
  const caller = { env, home: runtime.home, platform: runtime.platform, cwd: runtime.cwd };
  const report = memo(async (): Promise<HealthReport> => {
    const connectors = { ...createLiveConnectors(config, signal, caller, 5000), recordImagePair: undefined };
    return runHealthcheck({ strict: false, timeoutMs: 5000 }, { config, exec, home: runtime.home, now: () => new Date(), signal, connectors });
  });
  const services = [
    { service: 'falkordb', containerName: config.falkordb.containerName },
    { service: 'graphiti-mcp', containerName: config.graphitiMcp.containerName },
  ];
  const collectors: Collector[] = [
    versionsCollector({
      exec,
      env,
      cwd: runtime.cwd,
      timeoutMs: 5000,
      facts: [
        ['autocodex-ops', VERSION],
        ['OS', `${osType()} ${release()} ${arch()} (${osVersion()})`],
        ['Node (this tool)', process.version],
      ],
      // Its own one-check run: the full report may wait minutes on backup-integrity.
      healthMessage: async (id) => {
        const connectors = { ...createLiveConnectors(config, signal, caller, 5000), recordImagePair: undefined };
        const one = await runHealthcheck({ strict: false, timeoutMs: 5000, only: [id] }, { config, exec, home: runtime.home, now: () => new Date(), signal, connectors });
        return one.checks.find((c) => c.id === id)?.message;
      },
      engine: async () => (await docker()).version({ signal }),
    }),
    healthCollector({
      timeoutMs: 150_000,
      report,
      configText: async () => renderConfig(config, describeConfig(config), true),
    }),
    dockerCollector({ docker, project: config.composeProject, services, tail: options.tail, onSecret: (v) => redactor.addSecret(v), timeoutMs: 60_000 }),
    userdataCollector({ userdataDir: config.userdataDir, onSecret: (v) => redactor.addSecret(v), timeoutMs: 60_000 }),
    taskLogsCollector({ projects, userdataDir: config.userdataDir, since: options.since, timeoutMs: 60_000 }),
    auditCollector({
      timeoutMs: 60_000,
      tail: async (count) => {
        const trail = await readTrail(config.audit.path);
        return { path: config.audit.path, text: trail.entries.slice(-count).map((e) => `${JSON.stringify(e)}\n`).join('') };
      },
      verify: async () => renderVerify(await verifyAuditTrail(config.audit.path)),
    }),
    diskCollector({
      backupDir: config.backupDir,
      now: () => new Date(),
      timeoutMs: 120_000,
      freeBytes: nearestFree,
      newestBackups: async () => {
        // listBackups is newest first: the first of each kind is its newest.
        const newest = new Map<string, Awaited<ReturnType<typeof listBackups>>[number]>();
        for (const b of await listBackups(config.backupDir)) if (!newest.has(b.kind)) newest.set(b.kind, b);
        return [...newest.values()];
      },
      dataVolume: async () => {
        const d = await import('../core/docker/index.js');
        const api = await docker();
        const found = await d.findFalkorDbContainer(api, { project: config.composeProject, containerName: config.falkordb.containerName, signal });
        const selected = d.selectDataVolume(found?.container, config.falkordb.volume);
        const name = selected.kind === 'volume' ? selected.name : selected.source;
        return { name, bytes: selected.kind === 'volume' ? await api.volumeSize(name, { signal }) : undefined };
      },
    }),
  ];
  return { collectors, redactor };
}
