import { isAbsolute, join, resolve } from 'node:path';
import { detectCompose, type ComposeCli } from '../docker/compose.js';
import { OpsError, PrerequisiteError } from '../errors.js';
import type { Exec } from '../exec/exec.js';
import { exists } from '../fs/exists.js';

// Compose is run the way an operator would run it from the checkout: in the root, so that it
// finds docker-compose.yml with any docker-compose.override.yml beside it and reads the root .env;
// with -p, because the stack's compose file has no `name:` (docker-compose 1.29 rejects it).
// The tags also go into the child's environment, where they beat both the .env and any stale
// value in our own environment (compose: shell env over .env).

/** Where and how to run compose for the stack. */
export interface ComposeTarget {
  cli: ComposeCli;
  root: string;
  project: string;
  /** Explicit compose files (-f); empty: compose's own lookup in the root. */
  files: readonly string[];
}

/** The compose operations rollback needs; `env` holds the tag variables for this call. */
export interface ComposeRunner {
  /** e.g. `docker-compose 1.29.2, project auto-codex`. */
  readonly describe: string;
  /** Pulls the services' images; rejects with PrerequisiteError (exit 10) naming compose's error. */
  pull(services: readonly string[], env: Record<string, string>, signal?: AbortSignal): Promise<void>;
  /** `up -d --no-build` for the services; rejects with OpsError (exit 1) carrying compose's last output lines. */
  up(services: readonly string[], env: Record<string, string>, options: { signal?: AbortSignal; timeoutMs: number }): Promise<void>;
}

/**
 * tail keeps what explains a compose failure, on one line: the ERROR lines if there are any, else
 * the last lines, without the progress lines (`Recreating x ... done`).
 */
function tail(text: string, lines = 4): string {
  const all = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/(\.\.\.|\s(done|Started|Running|Created|Recreated|Healthy|Waiting|Pulled))\s*$/.test(l));
  const errors = all.filter((l) => /error/i.test(l));
  return (errors.length ? errors : all).slice(-lines).join(' ');
}

/**
 * createComposeRunner runs compose through `exec`; argv never carries a secret (the tags are not
 * secret, and passwords reach compose through the .env it reads itself). A missing compose binary
 * rejects with PrerequisiteError.
 */
export function createComposeRunner(exec: Exec, target: ComposeTarget): ComposeRunner {
  const [file, ...prefix] = target.cli.command as [string, ...string[]];
  const base = [
    ...prefix,
    '-p',
    target.project,
    ...target.files.flatMap((f) => ['-f', f]),
    ...(target.files.length > 0 ? ['--project-directory', target.root] : []),
  ];
  const run = async (args: string[], env: Record<string, string>, signal: AbortSignal | undefined, timeoutMs: number) => {
    const result = await exec.run(file, [...base, ...args], { cwd: target.root, env, signal, timeoutMs });
    if (result.notFound) throw new PrerequisiteError(`${target.cli.command.join(' ')} is not installed or not on PATH.`);
    return result;
  };
  const shown = (args: string[]) => `${target.cli.command.join(' ')} ${[...base.slice(prefix.length), ...args].join(' ')}`;
  return {
    describe: `${target.cli.command.join(' ')} ${target.cli.version}, project ${target.project}`,
    async pull(services, env, signal) {
      const args = ['pull', ...services];
      const r = await run(args, env, signal, 600_000);
      if (r.exitCode !== 0) {
        throw new PrerequisiteError(`Could not pull the images (${shown(args)} exited with ${r.exitCode}): ${tail(r.stderr || r.stdout, 4)}`, {
          hint: 'Check the registry and the tags, or load the images by hand (docker load) and run again.',
        });
      }
    },
    async up(services, env, options) {
      const args = ['up', '-d', '--no-build', ...services];
      const r = await run(args, env, options.signal, options.timeoutMs);
      if (r.exitCode !== 0) {
        const why = r.timedOut ? `did not finish within ${Math.round(options.timeoutMs / 1000)} s` : `exited with ${r.exitCode}`;
        throw new OpsError(`${shown(args)} ${why}: ${tail(r.stderr || r.stdout)}`);
      }
    },
  };
}

/** The names compose looks for in a folder (v1 and v2 alike), first match wins. */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];


/**
 * prepareCompose finds the compose CLI (`docker compose`, else `docker-compose`) and the compose
 * file(s): the given ones (relative to the root), else one of DEFAULT_COMPOSE_FILES in the root.
 * Rejects with PrerequisiteError (exit 10) when the CLI or a file is missing, before any change.
 */
export async function prepareCompose(exec: Exec, options: { root: string; project: string; files: readonly string[]; signal?: AbortSignal }): Promise<ComposeRunner> {
  const files = options.files.map((f) => (isAbsolute(f) ? f : resolve(options.root, f)));
  for (const f of files) if (!(await exists(f))) throw new PrerequisiteError(`The compose file ${f} does not exist.`);
  if (files.length === 0) {
    const found = await Promise.all(DEFAULT_COMPOSE_FILES.map((n) => exists(join(options.root, n))));
    if (!found.includes(true)) {
      throw new PrerequisiteError(`No compose file in ${options.root} (looked for ${DEFAULT_COMPOSE_FILES.join(', ')}).`, {
        hint: 'Run from the Auto-Codex checkout (--root), or name the file with --compose-file.',
      });
    }
  }
  const cli = await detectCompose({ exec, signal: options.signal });
  if (!cli) throw new PrerequisiteError('Neither `docker compose` nor `docker-compose` works on this machine.', { hint: 'Install the Docker Compose v2 plugin (or docker-compose v1).' });
  return createComposeRunner(exec, { cli, root: options.root, project: options.project, files });
}
