import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import semver from 'semver';
import { PrerequisiteError } from '../errors.js';
import { INSTALL_UV_HINT, KEEP_PINS, uvCompileCommand, type BackendDeps, type Resolver } from './backend.js';
import { trimResolverOutput } from './resolver-output.js';

/** `uv pip compile --universal` appeared in uv 0.2.16 (anchors-and-gotchas.md §H.8). */
export const MIN_UV_UNIVERSAL = '0.2.16';

/**
 * detectUv runs `uv --version` and returns the version (`0.5.11`), or undefined when uv is not on
 * PATH or does not run. It never throws for a missing uv.
 */
export async function detectUv(deps: BackendDeps): Promise<string | undefined> {
  const result = await deps.exec.run('uv', ['--version'], { env: deps.env, cwd: deps.root, signal: deps.signal, timeoutMs: 20_000 });
  if (result.notFound || result.exitCode !== 0) return undefined;
  return /\buv\s+(\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}

/**
 * uvResolver resolves with `uv pip compile --python-version <v> <input> -o <file>` from the root,
 * as the original script did, into a file in the work folder that starts as a copy of the committed
 * lock: uv reads an existing `-o` file as preferences, so pins are kept where they still satisfy the
 * requirements, and `--upgrade` / `--upgrade-package` move them, exactly as with the script. The header
 * records the plain uv command for the real lock path (`--custom-compile-command`). With
 * `universal` it adds `--universal` and throws PrerequisiteError (exit 10) from `prepare` when
 * this uv is older than 0.2.16.
 */
export function uvResolver(uvVersion: string, universal: boolean, deps: BackendDeps): Resolver {
  return {
    name: 'uv',
    async prepare() {
      const version = semver.coerce(uvVersion);
      if (universal && version && semver.lt(version, MIN_UV_UNIVERSAL)) {
        throw new PrerequisiteError(`uv ${uvVersion} has no --universal; it needs uv ${MIN_UV_UNIVERSAL} or later.`, {
          hint: `Upgrade uv (\`uv self update\` or \`pipx upgrade uv\`), or drop --universal. ${INSTALL_UV_HINT}`,
        });
      }
      return { tool: `uv ${uvVersion}` };
    },
    async resolve(job, workDir, preferences = { policy: KEEP_PINS }) {
      const { previous, policy } = preferences;
      const out = join(workDir, basename(job.lock));
      if (previous !== undefined && !policy.upgrade) await writeFile(out, previous);
      const args = ['pip', 'compile', '--python-version', job.python.version, job.input, '-o', out, '--custom-compile-command', uvCompileCommand(job, universal, policy)];
      if (universal) args.push('--universal');
      if (policy.upgrade) args.push('--upgrade');
      for (const name of policy.upgradePackages) args.push('--upgrade-package', name);
      const result = await deps.exec.run('uv', args, { env: deps.env, cwd: deps.root, signal: deps.signal });
      if (result.notFound) return { ok: false, error: 'uv disappeared from PATH during the run.' };
      if (result.exitCode !== 0) return { ok: false, error: trimResolverOutput(result.stdout, result.stderr) || `uv exited with ${result.exitCode}.` };
      const text = await readFile(out, 'utf8').catch(() => undefined);
      if (text === undefined) return { ok: false, error: `uv exited 0 but wrote no lock to ${out}.` };
      return { ok: true, text };
    },
  };
}
