import type { Exec } from '../exec/exec.js';
import { textPart, type Collected, type Collector } from './types.js';

/** What versions.txt needs besides running programs: facts the caller knows about this process and host. */
export interface VersionsDeps {
  exec: Exec;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** `autocodex-ops 0.1.0`, `Linux 6.1.0 x64 (Debian …)`, `Node v20.10.0 (this tool)`. */
  facts: Array<[label: string, value: string]>;
  /** Python as the healthcheck finds it (its `python` check message), when the healthcheck ran. */
  healthMessage(id: string): Promise<string | undefined>;
  /** The Docker engine and API versions; rejects when the engine is unreachable. */
  engine(): Promise<{ version: string; apiVersion: string }>;
  timeoutMs: number;
}

// The runbook's "verify dependencies" step (codex, node, python3), plus what an incident needs next.
const PROGRAMS: Array<[label: string, file: string, args: string[]]> = [
  ['python3 --version', 'python3', ['--version']],
  ['node --version', 'node', ['--version']],
  ['codex --version', 'codex', ['--version']],
  ['git --version', 'git', ['--version']],
  ['docker compose version', 'docker', ['compose', 'version']],
  ['docker-compose --version', 'docker-compose', ['--version']],
];

/**
 * versionsCollector writes versions.txt: the tool, OS and kernel, Node, Python as the healthcheck
 * finds it, each program of the runbook's checklist (each bounded by `timeoutMs`), and the Docker
 * engine. A program that is missing, fails or times out is written as such; nothing here fails the bundle.
 */
export function versionsCollector(deps: VersionsDeps): Collector {
  return {
    id: 'versions',
    title: 'Versions',
    timeoutMs: deps.timeoutMs * 2 + 5_000,
    async collect(signal): Promise<Collected> {
      const run = async ([label, file, args]: (typeof PROGRAMS)[number]): Promise<string> => {
        const r = await deps.exec.run(file, args, { signal, timeoutMs: deps.timeoutMs, cwd: deps.cwd });
        if (r.notFound) return `${label}: not found on PATH`;
        if (r.timedOut) return `${label}: no answer within ${deps.timeoutMs} ms`;
        const out = `${r.stdout}\n${r.stderr}`.trim().split('\n')[0] ?? '';
        return `${label}: ${r.exitCode === 0 ? out : `exit ${r.exitCode}${out ? ` (${out})` : ''}`}`;
      };
      const [programs, python, engine] = await Promise.all([
        Promise.all(PROGRAMS.map(run)),
        deps.healthMessage('python').catch(() => undefined),
        deps.engine().then(
          (v) => `Docker engine: ${v.version} (API ${v.apiVersion})`,
          (err: unknown) => `Docker engine: unreachable (${(err as Error).message})`,
        ),
      ]);
      const lines = [
        ...deps.facts.map(([label, value]) => `${label}: ${value}`),
        `Python as the healthcheck finds it: ${python ?? 'unknown (the healthcheck did not run)'}`,
        ...programs,
        engine,
        `PATH: ${deps.env.PATH ?? ''}`,
      ];
      return { parts: [textPart('versions.txt', 'programs on PATH, each asked for its version', `${lines.join('\n')}\n`)], skipped: [] };
    },
  };
}
