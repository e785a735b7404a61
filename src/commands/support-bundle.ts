import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../app.js';
import { SUPPORT_BUNDLE } from '../cli-options.js';
import { createContext } from '../context.js';
import { parseSince } from '../core/audit/show.js';
import { stamp } from '../core/backup-store/naming.js';
import { UsageError } from '../core/errors.js';
import { runSupportBundle } from '../core/support-bundle/run-support-bundle.js';
import { parseSize } from '../core/support-bundle/size-cap.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderSupportBundle } from '../output/support-bundle.js';
import { VERSION } from '../version.js';
import { bundleCollectors } from './support-bundle-deps.js';

const schema = schemaOf(SUPPORT_BUNDLE);

const HELP = `
Writes autocodex-support_<YYYYmmdd_HHMMSS>.tar.gz (mode 0600) in the working folder: versions,
healthcheck.json, config.txt, both services' state, inspect and logs, the app's logs and settings,
task logs, the last 200 audit records, disk figures, and index.md saying what is there and what is
not. Every text is redacted; .env files, profiles, auth.json and keys are never collected. A part
that cannot be had (Docker down, a project gone) is listed in index.md; the bundle is still written.`;

async function outputPath(option: string | undefined, cwd: string, now: Date): Promise<string> {
  const name = `autocodex-support_${stamp(now)}.tar.gz`;
  if (!option) return join(cwd, name);
  const path = resolve(cwd, option);
  const st = await stat(path).catch(() => undefined);
  return st?.isDirectory() ? join(path, name) : path;
}

function commandLine(cmd: Command, app: App): string {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  return ['autocodex-ops', ...app.redactor.argv(raw.slice(2))].join(' ');
}

/** supportBundleCommand writes the incident checklist's evidence as one redacted archive; exit 0 (with a warning) when some parts are missing, 1 when nothing could be written. */
export function supportBundleCommand(app: App): Command {
  const cmd = new Command('support-bundle').description("collect the incident checklist's evidence (logs, versions, health, state) into one redacted archive");
  return addOptions(cmd, SUPPORT_BUNDLE)
    .addHelpText('after', HELP)
    .action(async (raw: unknown, cmd: Command) => {
      const options = schema.parse(raw);
      const { runtime } = app;
      const now = new Date();
      const since = options.since === undefined ? undefined : parseSince(options.since, now);
      const maxSize = parseSize(options.maxSize);
      const ctx = createContext(cmd.optsWithGlobals(), app, 'support-bundle');
      const output = await outputPath(options.output, runtime.cwd, now);
      if (!/\.(tar\.gz|tgz)$/.test(output)) throw new UsageError(`--output: ${output} does not end in .tar.gz.`, { hint: 'Name the bundle <something>.tar.gz, or give a folder.' });
      const config = await ctx.config(flagOverrides(SUPPORT_BUNDLE, options));
      const { collectors, redactor } = await bundleCollectors(config, { projects: options.project, tail: options.tail, since }, app);
      const result = await runSupportBundle(
        { output, dryRun: options.dryRun, maxSize, commandLine: commandLine(cmd, app), version: VERSION, now },
        { collectors, redactor, signal: ctx.signal },
      );
      const missing = result.parts.filter((p) => p.skipped !== undefined && !p.skipped.startsWith('excluded'));
      ctx.audit.touch({ bundle: result.bundle, bytes: result.bytes, ...(result.sha256 ? { sha256: result.sha256 } : {}), dryRun: result.dryRun, notCollected: missing.map((p) => p.name) });
      if (missing.length) ctx.log.warn(`${missing.length} part(s) could not be collected (${missing.map((p) => p.name).join(', ')}); ${result.dryRun ? 'see below' : 'index.md says why'}.`);
      ctx.printer.result({ bundle: result.bundle, bytes: result.bytes, sha256: result.sha256, dryRun: result.dryRun, parts: result.parts.map(({ section: _s, ...p }) => p) }, () => renderSupportBundle(result));
    });
}
