import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { PrerequisiteError } from '../errors.js';
import { INSTALL_UV_HINT, KEEP_PINS, policyFlags, type BackendDeps, type PinPolicy, type Preferences, type Resolver } from './backend.js';
import { findInterpreter, type Interpreter } from './interpreter.js';
import { canonicalName, parsePins, renderLock, type LockEntry, type Pin } from './lock-file.js';
import { trimResolverOutput } from './resolver-output.js';
import type { LockJob, PythonVersion } from './versions.js';

// pip evaluates Requires-Python and markers against the interpreter that runs it, whatever
// --python-version says (measured-facts.md "pip"), so each version is resolved by its own Python.

const reportSchema = z.object({
  install: z.array(
    z.object({
      requested: z.boolean().optional(),
      is_direct: z.boolean().optional(),
      download_info: z
        .object({ url: z.string(), vcs_info: z.object({ vcs: z.string(), commit_id: z.string() }).optional() })
        .optional(),
      metadata: z.object({ name: z.string(), version: z.string() }),
    }),
  ),
  environment: z.record(z.string(), z.string()).optional(),
});

/** The parts of pip's `--report` JSON (format version 1) the lock is made from. */
export type PipReport = z.infer<typeof reportSchema>;

// Which installed package requires which, evaluated with the same interpreter (and pip's vendored
// `packaging`) so markers and extras mean exactly what they meant to pip. Extras spread through
// the graph (a[x] needs b[y]), hence the loop until nothing changes.
const VIA_SCRIPT = `
import json, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name as cn
with open(sys.argv[1], encoding="utf-8") as f:
    report = json.load(f)
items = {cn(i["metadata"]["name"]): i for i in report["install"]}
extras = {n: set(e.lower() for e in (i.get("requested_extras") or [])) for n, i in items.items()}
via = {n: set() for n in items}
changed = True
while changed:
    changed = False
    for name, item in items.items():
        active = [""] + sorted(extras[name])
        for spec in item["metadata"].get("requires_dist") or []:
            req = Requirement(spec)
            dep = cn(req.name)
            if dep not in items:
                continue
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in active):
                continue
            more = set(e.lower() for e in req.extras) - extras[dep]
            if more or (dep != name and name not in via[dep]):
                extras[dep] |= more
                if dep != name:
                    via[dep].add(name)
                changed = True
print(json.dumps({n: sorted(v) for n, v in via.items()}))
`;

/**
 * pipResolver resolves with `python3.N -m pip install --dry-run --ignore-installed --report` run by
 * an interpreter of each requested version, and writes the lock in uv's layout with `# via` lines.
 * `prepare` throws PrerequisiteError (exit 10) naming uv and the missing interpreter when there is
 * no Python of that version with pip ≥ 22.2, rather than lock for the wrong Python.
 */
export function pipResolver(deps: BackendDeps, options: { uvMissing: boolean }): Resolver {
  const interpreters = new Map<string, Interpreter>();
  return {
    name: 'pip',
    async prepare(python) {
      const search = await findInterpreter(python, { ...deps, cwd: deps.root });
      if (!search.found) throw noInterpreter(python, search.tried, options.uvMissing);
      interpreters.set(python.version, search.found);
      return { tool: `pip ${search.found.pipVersion}`, interpreter: search.found };
    },
    async resolve(job, workDir, preferences = { policy: KEEP_PINS }) {
      const python = interpreters.get(job.python.version);
      if (!python) throw new Error(`pipResolver.resolve before prepare for Python ${job.python.version}`);
      const { policy } = preferences;
      // pip has no preferences: the committed pins become constraints, and a pin pip cannot satisfy
      // any more is let go, one package at a time as pip names it, until the rest resolve.
      let kept = keptPins(preferences);
      const released: string[] = [];
      for (;;) {
        const attempt = await resolveOnce(job, python, workDir, kept, deps);
        if (attempt.ok) return { ok: true, text: pipLockText(job, python, attempt.report, attempt.via, { policy, released, previous: preferences.previous !== undefined }), released };
        if (!attempt.resolution || kept.length === 0) return { ok: false, error: attempt.error };
        const named = new Set(namesIn(attempt.error));
        const blamed = kept.filter((p) => named.has(p.name));
        // pip named none of the pinned packages: give up the pins rather than guess (a resolution from scratch).
        const drop = blamed.length > 0 ? blamed : kept;
        released.push(...drop.map((p) => p.name));
        kept = kept.filter((p) => !drop.includes(p));
      }
    },
  };
}

/** keptPins: the committed `name==version` pins the policy keeps (direct references are not constraints). */
function keptPins({ previous, policy }: Preferences): Pin[] {
  if (previous === undefined || policy.upgrade) return [];
  const moved = new Set(policy.upgradePackages.map(canonicalName));
  return parsePins(previous).filter((p) => !moved.has(p.name) && !p.marker && /^[^\s@/:]+$/.test(p.version));
}

/** namesIn: every word of pip's message that could be a package name, canonicalised. */
function namesIn(text: string): string[] {
  return (text.match(/[A-Za-z0-9][A-Za-z0-9._-]*/g) ?? []).map(canonicalName);
}

type Attempt = { ok: true; report: PipReport; via: Record<string, string[]> } | { ok: false; error: string; resolution: boolean };

async function resolveOnce(job: LockJob, python: Interpreter, workDir: string, pins: Pin[], deps: BackendDeps): Promise<Attempt> {
  const report = join(workDir, `${basename(job.lock)}.report.json`);
  const pipArgs = ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--report', report, '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '-r', job.input];
  if (pins.length > 0) {
    const constraints = join(workDir, `${basename(job.lock)}.pins.txt`);
    await writeFile(constraints, pins.map((p) => `${p.name}==${p.version}\n`).join(''));
    pipArgs.push('-c', constraints);
  }
  // A dry run installs nothing, so a PIP_REQUIRE_VIRTUALENV guard has nothing to protect here.
  const env = { ...deps.env, PIP_REQUIRE_VIRTUALENV: '0' };
  const run = await deps.exec.run(python.executable, pipArgs, { env, cwd: deps.root, signal: deps.signal });
  if (run.notFound) return { ok: false, error: `${python.executable} disappeared during the run.`, resolution: false };
  if (run.exitCode !== 0) return { ok: false, error: trimResolverOutput(run.stdout, run.stderr) || `pip exited with ${run.exitCode}.`, resolution: true };
  const parsed = reportSchema.safeParse(await readJson(report));
  if (!parsed.success) return { ok: false, error: `pip ${python.pipVersion} wrote no report this tool can read (${report}).`, resolution: false };
  const via = await deps.exec.run(python.executable, ['-c', VIA_SCRIPT, report], { env, cwd: deps.root, signal: deps.signal });
  if (via.notFound || via.exitCode !== 0) {
    return { ok: false, error: `Could not work out the # via annotations: ${via.notFound ? 'interpreter gone' : trimResolverOutput('', via.stderr)}`, resolution: false };
  }
  return { ok: true, report: parsed.data, via: JSON.parse(via.stdout) as Record<string, string[]> };
}

/** pinsLine says in the header which pins the lock kept (the policy it was made with). */
function pinsLine(o: { policy: PinPolicy; released: string[]; previous: boolean }): string {
  if (o.policy.upgrade) return 'Pins: --upgrade, every package resolved to its newest allowed version.';
  if (!o.previous) return 'Pins: no previous lock, every package resolved to its newest allowed version.';
  const moved = o.policy.upgradePackages.length ? `; --upgrade-package ${o.policy.upgradePackages.join(' ')} moved` : '';
  const freed = o.released.length ? `; no longer resolvable, re-resolved: ${o.released.join(' ')}` : '';
  return `Pins: kept from the previous lock where they still satisfy the requirements${moved}${freed}.`;
}

/** pipLockText renders a pip report as a lock: header naming pip, Python and platform, then sorted pins with `# via`. */
export function pipLockText(
  job: LockJob,
  python: Interpreter,
  report: PipReport,
  via: Record<string, string[]>,
  pins: { policy: PinPolicy; released: string[]; previous: boolean } = { policy: KEEP_PINS, released: [], previous: false },
): string {
  const env = report.environment ?? {};
  const platform = [env.sys_platform, env.platform_machine].filter(Boolean).join(' ') || 'this platform';
  const header = [
    'This file was autogenerated by autocodex-ops via the following command:',
    `   autocodex-ops lock-deps --backend pip ${job.python.version}${policyFlags(pins.policy)}`,
    `Resolved by pip ${python.pipVersion} on ${python.implementation} ${python.version} (${platform}); environment markers were evaluated for this platform.`,
    pinsLine(pins),
  ];
  const entries: LockEntry[] = report.install.map((item) => {
    const name = canonicalName(item.metadata.name);
    return {
      name,
      spec: item.is_direct && item.download_info ? ` @ ${directUrl(item.download_info)}` : `==${item.metadata.version}`,
      via: [...(item.requested ? [`-r ${job.input}`] : []), ...(via[name] ?? [])],
    };
  });
  return renderLock(header, entries);
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function directUrl(info: { url: string; vcs_info?: { vcs: string; commit_id: string } }): string {
  return info.vcs_info ? `${info.vcs_info.vcs}+${info.url}@${info.vcs_info.commit_id}` : info.url;
}

function noInterpreter(python: PythonVersion, tried: string[], uvMissing: boolean): PrerequisiteError {
  const message = `No Python ${python.version} interpreter with pip was found to resolve the Python ${python.version} locks with pip${uvMissing ? ', and uv is not on PATH' : ''}; nothing was written.`;
  return new PrerequisiteError(`${message}\nLooked at:\n${tried.map((t) => `  - ${t}`).join('\n')}`, {
    hint: `${INSTALL_UV_HINT} Or install Python ${python.version} (\`pyenv install ${python.version}\`, or your OS's python${python.version} package) so pip can resolve with it.`,
  });
}
