import { Command } from 'commander';
import type { App } from '../app.js';
import { LOCK_DEPS } from '../cli-options.js';
import { createContext } from '../context.js';
import { currentIds, resolveTrustedRoot } from '../core/config/trust.js';
import { ReportedFailure } from '../core/errors.js';
import { createExec } from '../core/exec/exec.js';
import { runLockDeps } from '../core/lock-deps/run-lock-deps.js';
import { DEFAULT_PYTHON_VERSIONS } from '../core/lock-deps/versions.js';
import { addOptions, schemaOf } from '../option-spec.js';
import { renderLockDeps } from '../output/lock-deps.js';

const schema = schemaOf(LOCK_DEPS);

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

Pins: a run starts from the committed lock and keeps every pin that still satisfies the
requirements (uv: the lock is uv's -o file, as the original script ran it; pip: the pins are
constraints, and a pin that no longer resolves is let go, per package, and named). --upgrade
moves every package to its newest allowed version; --upgrade-package <name> (repeatable) moves
that one. The lock's header says which. Resolution happens in temporary files; a lock is
replaced atomically, and only when every resolution succeeded.
--check writes nothing: it answers "would the lock change?" (same pins policy; headers and
annotations ignored) and exits 1 listing each stale lock and the packages that differ. Run it in CI.`;

/** lockDepsCommand regenerates (or with --check verifies) the per-Python-version lock files; exit 1 when --check finds a stale lock. */
export function lockDepsCommand(app: App): Command {
  const cmd = new Command('lock-deps')
    .description("regenerate or --check the per-Python-version lock files, with uv or pip's own resolver")
    .argument('[python-version...]', `Python minor versions to lock for (default: ${DEFAULT_PYTHON_VERSIONS.join(' ')})`);
  return addOptions(cmd, LOCK_DEPS)
    .addHelpText('after', NOTES)
    .action(async (versions: string[], raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'lock-deps');
      const { runtime } = app;
      // lock-deps reads no .env setting (the original script read none), so an unrelated invalid
      // value there must not stop it: only the root is looked up.
      const { root } = resolveTrustedRoot({ flag: ctx.globals.root, env: runtime.env, cwd: runtime.cwd, ...(runtime.identity ?? currentIds()) });
      const result = await runLockDeps(
        { root, versions, ...(({ upgradePackage, ...rest }) => ({ ...rest, upgradePackages: upgradePackage }))(options) },
        { exec: createExec(), env: runtime.env, home: runtime.home, log: ctx.log, signal: ctx.signal },
      );
      // The audit record names each lock written or found stale/missing (issue 23 §6).
      ctx.audit.touch({
        backend: result.backend,
        check: result.check,
        pins: result.pins,
        locks: result.locks.map((l) => ({ lock: l.lock, python: l.python, status: l.status, packages: l.packages, changed: l.changes.map((c) => `${c.name} ${c.from ?? '-'} -> ${c.to ?? '-'}`) })),
      });
      ctx.printer.result(result, () => renderLockDeps(result, ctx.printer.color));
      const stale = result.locks.filter((l) => l.status === 'stale' || l.status === 'missing');
      if (stale.length > 0) throw new ReportedFailure(`${stale.length} lock file(s) are stale or missing`);
    });
}
