// Backup of the reference volume, three contenders alternated run by run on the same volume:
//  - the original approach (scripts/backup-falkordb.sh, original-scripts.md §2): a helper container
//    running busybox `tar czf` into a bind-mounted folder (alpine:3.20 there; the stand-in image's
//    busybox here, no registry), and, timed apart, the host checks its later version added;
//  - `autocodex-ops backup falkordb --mode live` from the single binary (archive verified while writing and read back as it is written);
//  - the machine's limit: `tar | pigz` on all cores straight from the volume's folder on the host
//    (`tar | gzip` where pigz is missing, labelled so), at gzip's level 6 and at the tool's level 1
//    (issue 16: the tool at most 1.1x `tar | pigz -1`).
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { alternate, fmtMB, fmtMs, fmtRatio, log, median, ms, must, ratios, run, spread } from './lib.mjs';
import { runMeasured } from './memory.mjs';
import { labelArgs } from './resources.mjs';
import { FALKOR_IMAGE } from './target.mjs';

const hasPigz = (await run('sh', ['-c', 'command -v pigz'])).code === 0;
const cores = cpus().length;
/** The limit's compressor, as the table names it. */
export const limitCompressor = hasPigz ? `pigz -6 -p ${cores}` : 'gzip -6 (pigz missing)';

/** originalChecks runs the host checks of the original's later version (7d5b508): non-empty, `tar -tzf`, sha256 sidecar. */
export async function originalChecks(path) {
  const started = performance.now();
  if (statSync(path).size === 0) throw new Error(`${path} is empty`);
  await must('sh', ['-c', 'tar -tzf "$1" >/dev/null && sha256sum "$1" >"$1.sha256"', '_', path]);
  return performance.now() - started;
}

/** originalTar runs the original's helper container: busybox `tar -czf /backup/<name> -C /data .`. */
export async function originalTar(volume, dir, name) {
  return must('docker', ['run', '--rm', ...labelArgs, '-v', `${volume}:/data`, '-v', `${dir}:/backup`, '--entrypoint', 'sh', FALKOR_IMAGE, '-c', 'tar -czf "/backup/$1" -C /data .', '_', name]);
}

/** The tool's own deflate level (store-backup.ts BACKUP_GZIP), the like-for-like limit. */
export const limitCompressor1 = hasPigz ? `pigz -1 -p ${cores}` : 'gzip -1 (pigz missing)';

/** limitTar compresses a folder on the host with the limit's compressor (at `level`) into `path`. */
export async function limitTar(folder, path, level = 6) {
  const compress = hasPigz ? `pigz -${level} -p ${cores}` : `gzip -${level}`;
  return must('bash', ['-c', `set -o pipefail; tar -cf - -C "$1" . | ${compress} >"$2"`, '_', folder, path]);
}

/** toolBackup runs `backup falkordb --mode live --json` of the binary into `dir`, measuring its peak memory. */
export async function toolBackup(ctx, target, dir) {
  const r = await runMeasured(ctx.binary, ['backup', 'falkordb', '--mode', 'live', '--output-dir', dir, '--json'], { env: target.env, tmp: ctx.tmp });
  if (r.code !== 0) throw new Error(`autocodex-ops backup exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(-2000)}`);
  const res = JSON.parse(r.stdout);
  return { ms: r.ms, cpuMs: r.cpuMs, peakRssKiB: r.peakRssKiB, descendantsSeen: r.descendantsSeen, descendantsPeakKiB: r.descendantsPeakKiB, bytes: res.bytes, archive: res.archive, reportedMs: res.durationMs };
}

/**
 * benchBackup alternates the three contenders `runs` times on `target` and resolves with every run
 * and the table rows; the tool's last archive (with its sidecars) stays in `keepDir` for the restore.
 */
export async function benchBackup(ctx, target, { runs, keepDir }) {
  const total = target.data.totalBytes;
  const work = join(ctx.tmp, 'backup-out');
  let n = 0;
  const fresh = (who) => {
    const dir = join(work, `${who}-${++n}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const samples = await alternate(
    [
      {
        name: 'original',
        once: async () => {
          const dir = fresh('original');
          const name = `falkordb_data_${n}.tar.gz`;
          const helper = await originalTar(target.volume, dir, name);
          const checksMs = await originalChecks(join(dir, name));
          return { ms: helper.ms, checksMs, bytes: statSync(join(dir, name)).size };
        },
      },
      {
        name: 'tool',
        once: async () => {
          const r = await toolBackup(ctx, target, fresh('tool'));
          rmSync(keepDir, { recursive: true, force: true });
          mkdirSync(keepDir, { recursive: true });
          await must('sh', ['-c', 'mv "$1"* "$2"/', '_', r.archive, keepDir]);
          r.archive = join(keepDir, r.archive.split('/').at(-1));
          return r;
        },
      },
      {
        name: 'limit',
        once: async () => {
          const path = join(fresh('limit'), 'limit.tar.gz');
          const r = await limitTar(target.mountpoint, path);
          return { ms: r.ms, bytes: statSync(path).size };
        },
      },
      {
        name: 'limit1',
        once: async () => {
          const path = join(fresh('limit1'), 'limit1.tar.gz');
          const r = await limitTar(target.mountpoint, path, 1);
          return { ms: r.ms, bytes: statSync(path).size };
        },
      },
    ],
    runs,
    {
      between: async () => {
        ctx.checkInterrupted();
        rmSync(work, { recursive: true, force: true });
        // Flush what the last contender wrote, so the next one does not pay for it.
        await must('sync', []);
      },
      onRun: (name, i, r) => log(`backup run ${i + 1}/${runs}: ${name} ${fmtMs(r.ms)}${r.peakRssKiB ? `, peak ${((r.peakRssKiB * 1024) / 1e6).toFixed(0)} MB` : ''}`),
    },
  );
  const o = ms(samples.original);
  const oc = samples.original.map((r) => r.ms + r.checksMs);
  const t = ms(samples.tool);
  const l = ms(samples.limit);
  const l1 = ms(samples.limit1);
  const size = (rs) => `archive ${(median(rs.map((r) => r.bytes)) / total).toFixed(3)} of the data`;
  const rows = [
    ['original: busybox tar czf in a helper container', fmtMs(median(o)), `${spread(o).toFixed(0)}%`, size(samples.original)],
    ['original + its later host checks (tar -tzf, sha256sum)', fmtMs(median(oc)), `${spread(oc).toFixed(0)}%`, ''],
    ['autocodex-ops backup falkordb --mode live', fmtMs(median(t)), `${spread(t).toFixed(0)}%`, `${size(samples.tool)}; verified while writing`],
    [`limit: tar | ${limitCompressor} on the host`, fmtMs(median(l)), `${spread(l).toFixed(0)}%`, `${size(samples.limit)}; ${fmtMB(total / (median(l) / 1000))}/s`],
    ['→ tool / original (target ≤ 0.5x)', fmtRatio(ratios(t, o)), '', 'median of run-by-run ratios (range)'],
    ['→ tool / original + its checks', fmtRatio(ratios(t, oc)), '', ''],
    [`limit: tar | ${limitCompressor1} on the host`, fmtMs(median(l1)), `${spread(l1).toFixed(0)}%`, `${size(samples.limit1)}; the tool's level`],
    ['→ tool / limit at -6', fmtRatio(ratios(t, l)), '', ''],
    ['→ tool / limit at -1 (target ≤ 1.1x)', fmtRatio(ratios(t, l1)), '', 'same compression level'],
  ];
  return {
    result: {
      dataBytes: total,
      runs: samples,
      medianMs: { original: median(o), originalWithChecks: median(oc), tool: median(t), limit: median(l), limitLevel1: median(l1) },
      ratios: { toolOverOriginal: ratios(t, o), toolOverOriginalWithChecks: ratios(t, oc), toolOverLimit: ratios(t, l), toolOverLimitLevel1: ratios(t, l1) },
      limit: limitCompressor,
    },
    rows,
    archive: samples.tool.at(-1).archive,
  };
}
