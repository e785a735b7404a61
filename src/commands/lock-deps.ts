import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { currentIds, resolveTrustedRoot } from '../core/config/trust.js';
import { ReportedFailure } from '../core/errors.js';
import { createExec } from '../core/exec/exec.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { renderLockDeps } from '../core/lock-deps/render.js';
import { runLockDeps } from '../core/lock-deps/run-lock-deps.js';
import { DEFAULT_PYTHON_VERSIONS } from '../core/lock-deps/versions.js';
import type { Runtime } from '../runtime.js';

/** The lock-deps flags as commander hands them over; unknown keys are a bug (strict). */
export const lockDepsOptionsSchema = z
  .object({
    check: z.boolean().default(false),
    backend: z.enum(['uv', 'pip']).optional(),
    universal: z.boolean().default(false),
  })
  .strict();
/** The validated lock-deps flags. */
export type LockDepsCommandOptions = z.infer<typeof lockDepsOptionsSchema>;

const NOTES = `
Lock files (paths relative to the root, which is also the working directory of uv and pip):
  auto-codex/requirements.txt  -> auto-codex/requirements-pyNNN.lock
  tests/requirements-test.txt  -> tests/requirements-test-pyNNN.lock

Backends:
  uv   \`uv pip compile --python-version <v>\`, used when uv is on PATH (or --backend uv).
  pip  pip's own resolver (\`pip install --dry-run --report\`), run by an interpreter of each
       version: python3.N, python3 or python on PATH, or a pyenv version. pip judges
       Requires-Python and markers by the Python that runs it, so a version without an
       interpreter here is refused (exit 10) rather than locked for the wrong Python.
  Index settings come from the environment as each tool reads them (UV_INDEX_URL, UV_FIND_LINKS,
  PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, ...) and pass through untouched.

Platform caveat: a lock is resolved for THIS machine's platform. Markers such as sys_platform
or platform_machine are evaluated here, so a dependency needed only on macOS or Windows is left
out (uv's --python-version sets the Python version, not the platform; astral-sh/uv#3672). With
uv, --universal writes one lock valid on every platform, with markers on the lines that need them.

Every run resolves from scratch (the newest versions that satisfy the requirements) into
temporary files; a lock is replaced atomically, and only when every resolution succeeded.
--check writes nothing: it compares the pins (headers and annotations ignored) with the
committed locks and exits 1 listing each stale lock and the packages that differ. Run it in CI.`;

/** lockDepsCommand regenerates (or with --check verifies) the per-Python-version lock files; exit 1 when --check finds a stale lock. */
export function lockDepsCommand(runtime: Runtime): Command {
  return new Command('lock-deps')
    .description('regenerate or --check the per-Python-version lock files, with uv or pip\'s own resolver')
    .argument('[python-version...]', `Python minor versions to lock for (default: ${DEFAULT_PYTHON_VERSIONS.join(' ')})`)
    .option('--check', 'resolve into temporary files and compare with the committed locks; exit 1 when any is stale', false)
    .addOption(new Option('--backend <backend>', 'force a resolver (default: uv when on PATH, else pip)').choices(['uv', 'pip']))
    .option('--universal', 'uv only: one lock valid on every platform (uv pip compile --universal, uv >= 0.2.16)', false)
    .addHelpText('after', `${NOTES}\n${exitStatusHelp()}`)
    .action(async (versions: string[], raw: unknown, cmd: Command) => {
      const options = lockDepsOptionsSchema.parse(raw);
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'lock-deps');
      // lock-deps reads no .env setting (the original script read none), so an unrelated invalid
      // value there must not stop it: only the root is looked up.
      const { root } = resolveTrustedRoot({ flag: globals.root, env: runtime.env, cwd: runtime.cwd, ...(runtime.identity ?? currentIds()) });
      const result = await runLockDeps(
        { root, versions, ...options },
        { exec: createExec(), env: runtime.env, home: runtime.home, log: ctx.log, signal: ctx.signal },
      );
      ctx.printer.result(result, () => renderLockDeps(result, ctx.printer.color));
      const stale = result.locks.filter((l) => l.status === 'stale' || l.status === 'missing');
      if (stale.length > 0) throw new ReportedFailure(`${stale.length} lock file(s) are stale or missing`);
    });
}
