// Restore of the backup section's archive onto a volume of the same size (it holds the reference
// data, so every run replaces like with like), the contenders alternated run by run:
//  - the original's whole flow (scripts/restore-falkordb.sh, later version, original-scripts.md §3):
//    a helper container running busybox `tar czf` for the pre-restore backup, then one running
//    `rm -rf /data/* /data/.[!.]* /data/..?* && tar -xzf`; its host checks (tar -tzf and sha256 of
//    the archive and of the pre-restore backup) timed apart;
//    The target's container runs (see createTarget's `running`): the original stops it first and
//    starts it last, as the script does;
//  - `autocodex-ops restore falkordb <archive> --yes` with SKIP_RESTORE_HEALTH_WAIT=true: it stops the
//    container, restores and starts it again; its downtime (the container's FinishedAt to StartedAt
//    in `docker inspect`) is set against `pigz -d | tar -x` of the same archive into an empty scratch
//    folder on the same disk (issue 16: at most 1.5x);
//  - the machine's limit on the host, on the volume's folder: wipe + `pigz -d | tar -x`, and before
//    it, timed apart, a safety copy with `tar | pigz` (the same work as the tool's);
//  - unless --skip-drill, `autocodex-ops drill falkordb <archive>` of the same archive (issue 17):
//    its scratch server loads the data for real (see toolDrill).
import { mkdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { originalChecks, originalTar, limitTar, limitCompressor } from './backup.mjs';
import { alternate, fmtMs, fmtRatio, log, median, ms, must, ratios, run, spread } from './lib.mjs';
import { runMeasured } from './memory.mjs';
import { labelArgs } from './resources.mjs';
import { checkContent, downtimeMs, FALKOR_IMAGE } from './target.mjs';

const hasPigz = (await run('sh', ['-c', 'command -v pigz'])).code === 0;
const decompress = hasPigz ? `pigz -dc -p ${cpus().length}` : 'gzip -dc';

/** restoreAvailable tells whether the binary has the restore command (it landed after backup). */
export async function restoreAvailable(binary) {
  return (await run(binary, ['restore', 'falkordb', '--help'])).code === 0;
}

/** toolRestore runs `restore falkordb <archive> --yes --json` of the binary, health wait skipped, measuring its peak memory. */
export async function toolRestore(ctx, target, archive, preDir) {
  const env = { ...target.env, SKIP_RESTORE_HEALTH_WAIT: 'true', PRE_RESTORE_BACKUP_DIR: preDir };
  const r = await runMeasured(ctx.binary, ['restore', 'falkordb', archive, '--yes', '--json'], { env, tmp: ctx.tmp });
  if (r.code !== 0) throw new Error(`autocodex-ops restore exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(-2000)}`);
  const res = JSON.parse(r.stdout);
  const phases = Object.fromEntries((res.phases ?? []).map((p) => [p.name, p.ms]));
  const downMs = res.stopped?.length > 0 ? await downtimeMs(target) : undefined;
  return { ms: r.ms, cpuMs: r.cpuMs, peakRssKiB: r.peakRssKiB, descendantsSeen: r.descendantsSeen, descendantsPeakKiB: r.descendantsPeakKiB, reportedMs: res.durationMs, phases, downMs };
}

/** drillAvailable tells whether the binary has `drill falkordb` (issue 17). */
export async function drillAvailable(binary) {
  return (await run(binary, ['drill', 'falkordb', '--help'])).code === 0;
}

/**
 * toolDrill runs `drill falkordb <archive> --json` of the binary: the same checks and extraction as
 * the restore, into a scratch volume, then the scratch server's load (`loadMs`: start to
 * `loading:0`) and the key/graph probe (`probeMs`), which together stand where the restore's health
 * wait and checks stand, which the restore skips with SKIP_RESTORE_HEALTH_WAIT: `ms - loadMs -
 * probeMs` is the like-for-like figure (issue 17: at most 1.3x the restore). The drill must load the
 * data and match what the archive says (the reference data is a real RDB and AOF): a drill that does
 * not is kept as a run but marked NOT OK in the table.
 */
export async function toolDrill(ctx, target, archive) {
  const r = await runMeasured(ctx.binary, ['drill', 'falkordb', archive, '--json'], { env: target.env, tmp: ctx.tmp });
  if (r.code !== 0 && r.code !== 1) throw new Error(`autocodex-ops drill exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(-2000)}`);
  let res;
  try {
    res = JSON.parse(r.stdout);
  } catch {
    // Seen under a load average of 15: the drill ended without its JSON; keep the run, marked.
    return { ms: r.ms, loadMs: 0, probeMs: 0, ok: false, problems: [`no JSON result (exit ${r.code}): ${r.stderr.trim().slice(-300)}`], peakRssKiB: r.peakRssKiB };
  }
  return { ms: r.ms, loadMs: res.loadMs ?? 0, probeMs: res.probeMs ?? 0, reportedMs: res.durationMs, ok: res.ok, keys: res.keys, expectedKeys: res.expectedKeys, load: res.load, problems: res.problems, peakRssKiB: r.peakRssKiB };
}

async function originalFlow(target, archive, preDir) {
  // Checks before anything (tar -tzf and the sidecar's sha256), as its later version does.
  const started = performance.now();
  const stop = await must('docker', ['stop', target.container]);
  await must('sh', ['-c', 'tar -tzf "$1" >/dev/null && [ "$(sha256sum "$1" | cut -d" " -f1)" = "$(cut -d" " -f1 "$1.sha256")" ]', '_', archive]);
  let checksMs = performance.now() - started;
  const name = 'falkordb_pre_restore_bench.tar.gz';
  const pre = await originalTar(target.volume, preDir, name);
  checksMs += await originalChecks(join(preDir, name));
  const extract = await must('docker', [
    'run', '--rm', ...labelArgs, '-v', `${target.volume}:/data`, '-v', `${dirname(archive)}:/backup`, '--entrypoint', 'sh', FALKOR_IMAGE,
    '-c', 'rm -rf /data/* /data/.[!.]* /data/..?* && tar -xzf "/backup/$1" -C /data', '_', basename(archive),
  ]);
  const start = await must('docker', ['start', target.container]);
  checksMs -= stop.ms; // the stop ran inside the checks' clock, before the helpers
  return { ms: stop.ms + pre.ms + extract.ms + start.ms, preMs: pre.ms, extractMs: extract.ms, checksMs, downMs: await downtimeMs(target) };
}

/** bareExtract times `pigz -d | tar -x` of the archive into `dir`, an empty folder on the volumes' disk (the downtime's yardstick). */
async function bareExtract(archive, dir) {
  const r = await must('bash', ['-c', `set -o pipefail; find "$1" -mindepth 1 -delete && sync && ${decompress} "$2" | tar -xf - -C "$1"`, '_', dir, archive]);
  return { ms: r.ms };
}

async function limitFlow(target, archive, preDir) {
  const copy = await limitTar(target.mountpoint, join(preDir, 'limit_pre_restore.tar.gz'));
  const extract = await must('bash', ['-c', `set -o pipefail; find "$1" -mindepth 1 -delete && ${decompress} "$2" | tar -xf - -C "$1"`, '_', target.mountpoint, archive]);
  return { ms: extract.ms, copyMs: copy.ms };
}

const phaseMedians = (records) => {
  const names = Object.keys(records[0]?.phases ?? {});
  return Object.fromEntries(names.map((n) => [n, median(records.map((r) => r.phases[n] ?? 0))]));
};

/** benchRestore alternates the three contenders `runs` times restoring `archive` onto `target`; resolves with every run and the table rows. */
export async function benchRestore(ctx, target, archive, { runs, scratch }) {
  const preDir = join(ctx.tmp, 'pre-restore');
  const fresh = () => {
    rmSync(preDir, { recursive: true, force: true });
    mkdirSync(preDir, { recursive: true });
    return preDir;
  };
  const samples = await alternate(
    [
      { name: 'original', once: async () => originalFlow(target, archive, fresh()) },
      { name: 'tool', once: async () => toolRestore(ctx, target, archive, fresh()) },
      { name: 'limit', once: async () => limitFlow(target, archive, fresh()) },
      { name: 'extract', once: async () => bareExtract(archive, scratch) },
      ...(ctx.withDrill ? [{ name: 'drill', once: async () => toolDrill(ctx, target, archive) }] : []),
    ],
    runs,
    {
      between: async () => {
        ctx.checkInterrupted();
        checkContent(target, 'a restore');
        rmSync(preDir, { recursive: true, force: true });
        await must('sync', []);
      },
      onRun: (name, i, r) => log(`restore run ${i + 1}/${runs}: ${name} ${fmtMs(r.ms)}${r.peakRssKiB ? `, peak ${((r.peakRssKiB * 1024) / 1e6).toFixed(0)} MB` : ''}`),
    },
  );
  const o = ms(samples.original);
  const oc = samples.original.map((r) => r.ms + r.checksMs);
  const t = ms(samples.tool);
  const l = ms(samples.limit);
  const lc = samples.limit.map((r) => r.ms + r.copyMs);
  const phases = phaseMedians(samples.tool);
  const short = {
    'checking the archive': 'archive checks',
    'stopping the services': 'stop',
    'taking the safety copy of the current data': 'safety copy', // before issue 16
    'wiping the volume and extracting the archive': 'wipe+extract',
    'moving the current data aside inside the volume': 'move aside',
    'extracting the archive': 'extract',
    'starting the services': 'start',
    'checking the services and the data': 'checks',
    'writing the safety archive of the previous data': 'safety copy (after the checks)',
    'removing the moved-aside data': 'remove aside',
  };
  const tDown = samples.tool.map((r) => r.downMs ?? NaN);
  const oDown = samples.original.map((r) => r.downMs);
  const x = ms(samples.extract);
  const phaseNote = Object.entries(short).filter(([k]) => k in phases).map(([k, v]) => `${v} ${fmtMs(phases[k])}`).join(', ');
  const oParts = `pre-restore tar ${fmtMs(median(samples.original.map((r) => r.preMs)))}, wipe+extract ${fmtMs(median(samples.original.map((r) => r.extractMs)))}`;
  const rows = [
    ['original: pre-restore tar czf, then rm -rf && tar -xzf (2 helpers)', fmtMs(median(o)), `${spread(o).toFixed(0)}%`, oParts],
    ['original + its later host checks (tar -tzf, sha256 x2)', fmtMs(median(oc)), `${spread(oc).toFixed(0)}%`, ''],
    ['autocodex-ops restore falkordb --yes (no health wait)', fmtMs(median(t)), `${spread(t).toFixed(0)}%`, phaseNote],
    [`limit: wipe + ${decompress.split(' ')[0]} -d | tar -x on the host`, fmtMs(median(l)), `${spread(l).toFixed(0)}%`, 'no safety copy'],
    [`limit + safety copy (tar | ${limitCompressor}) first`, fmtMs(median(lc)), `${spread(lc).toFixed(0)}%`, 'the same work as the tool'],
    ['→ tool / original (target ≤ 0.4x)', fmtRatio(ratios(t, o)), '', 'median of run-by-run ratios (range)'],
    ['downtime: autocodex-ops (container stop → start)', fmtMs(median(tDown)), `${spread(tDown).toFixed(0)}%`, 'docker inspect FinishedAt → StartedAt'],
    ['downtime: original (container stop → start)', fmtMs(median(oDown)), `${spread(oDown).toFixed(0)}%`, ''],
    [`bare ${decompress.split(' ')[0]} -d | tar -x into an empty scratch folder`, fmtMs(median(x)), `${spread(x).toFixed(0)}%`, 'same disk as the volume'],
    ['→ tool downtime / bare extract (target ≤ 1.5x)', fmtRatio(ratios(tDown, x)), '', 'run by run'],
    ['→ tool / original + its checks', fmtRatio(ratios(t, oc)), '', ''],
    ['→ tool / limit + safety copy', fmtRatio(ratios(t, lc)), '', ''],
    ['→ tool / limit (extract only)', fmtRatio(ratios(t, l)), '', ''],
  ];
  let drill;
  if (samples.drill) {
    const d = ms(samples.drill);
    const dNoWait = samples.drill.map((r) => r.ms - r.loadMs - r.probeMs);
    const bad = samples.drill.filter((r) => !r.ok).map((r) => r.problems.join('; '));
    const first = samples.drill[0];
    const keys = `${first.load ?? '?'}: keys ${first.keys ?? '?'}${first.expectedKeys !== undefined ? ` of ${first.expectedKeys} expected` : ''}`;
    rows.push(
      ['autocodex-ops drill falkordb (scratch server: load and probe included)', fmtMs(median(d)), `${spread(d).toFixed(0)}%`, `${keys}${bad.length ? `; NOT OK in ${bad.length}/${samples.drill.length} runs: ${bad[0]}` : '; ok in every run'}`],
      ['  of which the load (start to loading:0) / the probe', `${fmtMs(median(samples.drill.map((r) => r.loadMs)))} / ${fmtMs(median(samples.drill.map((r) => r.probeMs)))}`, '', 'loadMs / probeMs of --json'],
      ['  drill without the load and the probe', fmtMs(median(dNoWait)), `${spread(dNoWait).toFixed(0)}%`, 'checks, scratch pair, extract, its removal'],
      ['→ drill without load+probe / restore (target ≤ 1.3x)', fmtRatio(ratios(dNoWait, t)), '', 'both without the health wait; run by run'],
      ['→ whole drill / restore (no health wait)', fmtRatio(ratios(d, t)), '', 'run by run'],
    );
    drill = { medianMs: median(d), medianLoadMs: median(samples.drill.map((r) => r.loadMs)), medianProbeMs: median(samples.drill.map((r) => r.probeMs)), medianWithoutLoadAndProbeMs: median(dNoWait), overRestore: ratios(dNoWait, t), wholeOverRestore: ratios(d, t), notOk: bad };
  }
  return {
    result: {
      dataBytes: target.data.totalBytes,
      archive: basename(archive),
      runs: samples,
      medianMs: { original: median(o), originalWithChecks: median(oc), tool: median(t), toolPhases: phases, limit: median(l), limitWithSafetyCopy: median(lc), toolDowntime: median(tDown), originalDowntime: median(oDown), bareExtract: median(x) },
      ratios: { toolDowntimeOverBareExtract: ratios(tDown, x), toolOverOriginal: ratios(t, o), toolOverOriginalWithChecks: ratios(t, oc), toolOverLimitWithSafetyCopy: ratios(t, lc), toolOverLimit: ratios(t, l) },
      ...(drill ? { drill } : {}),
    },
    rows,
  };
}
