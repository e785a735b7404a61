import { Command } from 'commander';
import type { App } from '../app.js';
import { DRILL_FALKORDB, DRILL_USERDATA } from '../cli-options.js';
import { createContext } from '../context.js';
import { latestArchive } from './latest-archive.js';
import { appendDrillRecord } from '../core/backup-store/drill-records.js';
import { runFalkorDrill, type FalkorDrillResult } from '../core/drill/run-falkordb-drill.js';
import { runUserdataDrill, type UserdataDrillResult } from '../core/drill/run-userdata-drill.js';
import { ReportedFailure, UsageError } from '../core/errors.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { archiveKey } from './age-options.js';

const schema = schemaOf(DRILL_FALKORDB);

const HELP = `
Proves that a backup loads, without touching the live service: every check \`restore falkordb\`
makes (a bad archive: exit 2), then a scratch volume and a scratch container (no network, no
published port, the live container's image, module and persistence options, a fresh password
that is never printed), the archive extracted into it, the server started and waited for until it
has loaded, and its key count and graphs compared with the manifest and with what the archive's
RDB/AOF files say they hold. The scratch container and volume are removed always (--keep leaves
them); what a killed drill left behind is removed by the next one.

Exit: 0 loaded and matched; 1 did not load or did not match (the problem is named); 2 bad archive;
10 engine or image missing (never pulled); 130 interrupted.

Examples:
  autocodex-ops drill falkordb --latest
  autocodex-ops drill falkordb backups/falkordb_data_20250101_030000.tar.gz --json`;

function render(r: FalkorDrillResult): string {
  const lines = [
    `${r.ok ? 'OK' : 'FAILED'}: drill of ${r.archive}`,
    `  loaded: ${r.loadMs !== undefined ? `yes, in ${r.loadMs} ms (${r.load})${r.probeMs !== undefined ? `, probed in ${r.probeMs} ms` : ''}` : 'no'}; keys ${r.keys ?? '?'}${r.expectedKeys !== undefined ? ` (expected ${r.expectedKeys})` : ''}`,
    `  graphs: ${r.graphs ? r.graphs.map((g) => `${g.name} (${g.nodes ?? '?'} nodes)`).join(', ') || 'none' : `probe ${r.graphProbe}`}`,
    ...r.problems.map((p) => `  problem: ${p}`),
    ...r.warnings.map((w) => `  warning: ${w}`),
  ];
  if (r.kept) {
    lines.push(
      `  kept: container ${r.kept.container}, volume ${r.kept.volume} (the next drill removes them)`,
      `  look at the data: docker run --rm -it --network none -v ${r.kept.volume}:/data --entrypoint sh ${r.kept.image}`,
      `  remove them: docker rm -f ${r.kept.container} && docker volume rm ${r.kept.volume}`,
    );
  }
  return lines.join('\n');
}

/** drillFalkordbCommand restores an archive into a throw-away server and checks that it loads and matches. */
function drillFalkordbCommand(app: App): Command {
  const cmd = new Command('falkordb')
    .description('restore a FalkorDB backup into a scratch server (no network) and check it loads and matches its manifest; the live service is untouched')
    .argument('[archive]', 'the .tar.gz (or .tar.gz.age) to drill')
    .addHelpText('after', HELP);
  return addOptions(cmd, DRILL_FALKORDB).action(async (archiveArg: string | undefined, raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      if (Boolean(archiveArg) === options.latest) throw new UsageError('Give either an archive path or --latest (not both, not neither).', { hint: 'autocodex-ops drill falkordb --latest' });
      const ctx = createContext(command.optsWithGlobals(), app, 'drill');
      const config = await ctx.config(flagOverrides(DRILL_FALKORDB, options));
      const archive = archiveArg ?? (await latestArchive(ctx, config.backupDir, 'falkordb'));
      if (!archive) throw new UsageError(`No FalkorDB backup in ${config.backupDir} to drill.`, { hint: 'Run `autocodex-ops backup falkordb` first.' });
      ctx.audit.touch({ archive, kind: 'falkordb' });
      const result = await runFalkorDrill(
        {
          archive,
          timeoutSecs: config.restoreHealthTimeoutSecs,
          keep: options.keep,
          stack: { composeProject: config.composeProject, falkordb: config.falkordb, graphitiMcp: config.graphitiMcp },
          ...(await withKey(ctx, config, archive)),
        },
        {
          docker: () => app.docker(),
          log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m) },
          signal: ctx.signal,
        },
      );
      ctx.audit.touch({
        sha256: result.sha256,
        outcome: result.ok ? 'ok' : 'failed',
        keys: result.keys,
        expectedKeys: result.expectedKeys,
        loadMs: result.loadMs,
        probeMs: result.probeMs,
        durationMs: result.durationMs,
        problems: result.problems,
      });
      // backup list and the restore-drill healthcheck read the verdict from the backup folder.
      await appendDrillRecord(config.backupDir, { at: new Date().toISOString(), kind: 'falkordb', archive, sha256: result.sha256, ok: result.ok, ...(result.keys !== undefined ? { keys: result.keys } : {}), ...(result.expectedKeys !== undefined ? { expectedKeys: result.expectedKeys } : {}), ...(result.loadMs !== undefined ? { loadMs: result.loadMs } : {}), problems: result.problems }).catch((err: Error) =>
        ctx.log.warn(`The drill's verdict could not be written to ${config.backupDir} (${err.message}): backup list and the restore-drill check will not see it.`),
      );
      ctx.printer.result(result, () => render(result));
      if (!result.ok) throw new ReportedFailure(`drill failed: ${result.problems.join('; ')}`);
    });
}

async function withKey(ctx: Parameters<typeof archiveKey>[0], config: Parameters<typeof archiveKey>[1], archive: string) {
  const key = await archiveKey(ctx, config, archive);
  return key ? { key } : {};
}

/** drillCommand groups the restore drills (issue 17). */
export function drillCommand(app: App): Command {
  return new Command('drill')
    .description('restore drills: prove a backup loads, in a scratch server, without touching the live service')
    .addCommand(drillFalkordbCommand(app))
    .addCommand(drillUserdataCommand(app));
}

function renderUserdata(r: UserdataDrillResult): string {
  return [
    `${r.ok ? 'OK' : 'FAILED'}: drill of ${r.archive} (${r.entries} entries, ${r.contentBytes} bytes, matching the manifest where there is one)`,
    ...r.files.map((f) => `  ${f.ok ? 'ok    ' : 'FAILED'} ${f.path}${f.bytes !== undefined ? ` (${f.bytes} bytes)` : ''}${f.problem ? `: ${f.problem}` : ''}`),
    ...r.problems.map((p) => `  problem: ${p}`),
    ...r.warnings.map((w) => `  note: ${w}`),
  ].join('\n');
}

const userdataSchema = schemaOf(DRILL_USERDATA);

/** drillUserdataCommand extracts a userData backup into a private temporary folder and parses the app's files. */
function drillUserdataCommand(app: App): Command {
  const cmd = new Command('userdata')
    .description("extract a userData backup into a private temporary folder (removed afterwards) and check that the app's files parse")
    .argument('[archive]', 'the .tar.gz (or .tar.gz.age) to drill');
  return addOptions(cmd, DRILL_USERDATA).action(async (archiveArg: string | undefined, raw: unknown, command: Command) => {
    const options = userdataSchema.parse(raw);
    if (Boolean(archiveArg) === options.latest) throw new UsageError('Give either an archive path or --latest (not both, not neither).', { hint: 'autocodex-ops drill userdata --latest' });
    const ctx = createContext(command.optsWithGlobals(), app, 'drill');
    const config = await ctx.config(flagOverrides(DRILL_USERDATA, options));
    const archive = archiveArg ?? (await latestArchive(ctx, config.backupDir, 'userdata'));
    if (!archive) throw new UsageError(`No userData backup in ${config.backupDir} to drill.`, { hint: 'Run `autocodex-ops backup userdata` first.' });
    ctx.audit.touch({ archive, kind: 'userdata' });
    const key = await archiveKey(ctx, config, archive);
    const result = await runUserdataDrill({ archive, ...(key ? { key } : {}) }, { signal: ctx.signal });
    ctx.audit.touch({ sha256: result.sha256, outcome: result.ok ? 'ok' : 'failed', entries: result.entries, problems: result.problems });
    await appendDrillRecord(config.backupDir, { at: new Date().toISOString(), kind: 'userdata', archive, sha256: result.sha256, ok: result.ok, problems: result.problems }).catch((err: Error) =>
      ctx.log.warn(`The drill's verdict could not be written to ${config.backupDir} (${err.message}).`),
    );
    ctx.printer.result(result, () => renderUserdata(result));
    if (!result.ok) throw new ReportedFailure(`drill failed: ${result.problems.join('; ')}`);
  });
}
