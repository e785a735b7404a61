#!/usr/bin/env node
// npm run bench [-- --quick] [--size <factor>] [--runs <n>] [--only <sections>] [--data <sets>] [--seed <n>]
// Measures autocodex-ops side by side with the original scripts' approach and the machine's limit
// in one run (issue 9) and prints a table; every run goes to bench/results.json (gitignored).
// Performance claims are made here only; targets are reported, never asserted.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchBackup, limitCompressor, toolBackup } from './backup.mjs';
import { benchEncryption } from './encryption.mjs';
import { benchHealthcheck } from './healthcheck.mjs';
import { benchOffsite } from './offsite.mjs';
import { log, must, run, table } from './lib.mjs';
import { memoryMethod } from './memory.mjs';
import { benchMemory } from './memory-growth.mjs';
import { cleanup, createVolume, interrupted, NAME, onInterrupt, sweepLeftovers, tempDir } from './resources.mjs';
import { benchRestore, drillAvailable, restoreAvailable } from './restore.mjs';
import { benchStartup } from './startup.mjs';
import { createTarget, FALKOR_IMAGE } from './target.mjs';
import { DATASETS } from './reference-data.mjs';

const SECTIONS = ['startup', 'healthcheck', 'backup', 'restore', 'drill', 'encryption', 'memory', 'offsite'];
const USAGE = `usage: npm run bench [-- options]
  --quick            small volume (0.1x, ~47 MB), fewer runs: about 2 min (the full run: about 15 min)
  --size <factor>    scale the reference volume (1 = 300 MB dump.rdb + 165 MB AOF text)
  --runs <n>         runs per contender for backup and restore (default 5, quick 3)
  --only <list>      comma-separated sections: ${SECTIONS.join(',')}
                     (drill runs inside the restore section, side by side with it: either name runs both)
  --data <list>      data sets of backup and restore: reference (300 MB RDB + 165 MB AOF), mixed
                     (150 MB + 100 MB, issue 16); default both; the other sections use the first
  --seed <n>         seed of the reference data (default 1)
  --skip-drill       leave the drill out of the restore section (it doubles the section's time)`;

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, size: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' }, data: { type: 'string', default: 'reference,mixed' }, seed: { type: 'string', default: '1' }, help: { type: 'boolean', short: 'h' }, 'skip-drill': { type: 'boolean', default: false } },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = args.quick;
const scale = Number(args.size ?? (quick ? 0.1 : 1));
const heavyRuns = Number(args.runs ?? (quick ? 3 : 5));
const lightRuns = quick ? 3 : 10;
const seed = Number(args.seed);
const only = args.only ? args.only.split(',').map((s) => s.trim()) : SECTIONS;
// The drill is measured side by side with the restore of the same archive (issue 17): one section.
if (only.includes('drill') && !only.includes('restore')) only.push('restore');
const datasets = args.data.split(',').map((s) => s.trim());
const bad = [...only.filter((s) => !SECTIONS.includes(s)), ...datasets.filter((d) => !(d in DATASETS))];
if (!(scale > 0) || !(heavyRuns >= 1) || !Number.isInteger(heavyRuns) || !Number.isFinite(seed) || bad.length > 0) {
  console.error(`${bad.length ? `unknown section(s) or data set(s): ${bad.join(', ')}\n` : ''}${USAGE}`);
  process.exit(2);
}

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(repo, 'dist/autocodex-ops');
const t0 = Date.now();

const newest = (p) => {
  const s = statSync(p);
  return s.isDirectory() ? Math.max(0, ...readdirSync(p).map((e) => newest(join(p, e)))) : s.mtimeMs;
};

async function version(cmd, args, pick = (s) => s.split('\n')[0]) {
  const r = await run(cmd, args).catch(() => undefined);
  return r?.code === 0 ? pick(r.stdout.trim() || r.stderr.trim()) : 'missing';
}

async function main(results, rows) {
  execFileSync('bash', [join(repo, 'scripts/test-env.sh')], { stdio: ['ignore', 2, 2] }); // stdout keeps the table only
  // Measure the current sources: rebuild when the binary is missing or older than them.
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(repo, 'src')), newest(join(repo, 'package.json')))) {
    log('dist/autocodex-ops is missing or older than src/: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 2, 2] });
  }
  await sweepLeftovers();
  const tmp = tempDir('work');
  // Measure a private copy: other developers rebuild dist/ while the bench runs.
  const binary = join(tmp, 'autocodex-ops');
  copyFileSync(built, binary);
  chmodSync(binary, 0o755);
  const gitHead = await version('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
  const dirty = (await run('git', ['-C', repo, 'status', '--porcelain', '--', 'src'])).stdout.trim() !== '';
  results.versions = {
    autocodexOps: await version(binary, ['--version']),
    git: `${gitHead}${dirty ? ' + uncommitted changes in src/' : ''}`,
    dockerEngine: await version('docker', ['version', '--format', '{{.Server.Version}}']),
    pigz: await version('pigz', ['--version']),
    gnuTar: await version('tar', ['--version']),
    busyboxInImage: await version('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'sh', FALKOR_IMAGE, '-c', 'busybox | head -1']),
  };
  if (results.versions.autocodexOps === 'missing') throw new Error(`${built} does not run (was dist/ being rebuilt?); run the bench again`);
  const ctx = {
    binary,
    tmp,
    checkInterrupted: () => {
      if (interrupted) throw new Error('interrupted');
    },
    removeDir: async (dir) => {
      rmSync(dir, { recursive: true, force: true });
      await must('sync', []);
    },
  };
  const section = (name, sectionRows) => rows.push(...sectionRows.map((r) => [name, ...r]));

  if (only.includes('startup')) {
    log('start-up');
    const s = await benchStartup({ binary, runs: lightRuns * 2, checkInterrupted: ctx.checkInterrupted });
    results.sections.startup = s.result;
    section('start-up', s.rows);
  }
  if (only.includes('healthcheck')) {
    log('healthcheck');
    const hc = await benchHealthcheck({ binary, runs: lightRuns, checkInterrupted: ctx.checkInterrupted });
    results.sections.healthcheck = hc;
    section('healthcheck', [
      ['all services up (target < 1 s)', `${hc.up.medianMs.toFixed(0)} ms`, `${hc.up.spreadPct.toFixed(0)}%`, `slowest checks: ${hc.up.slowest.join(', ')}`],
      [`FalkorDB hung, --timeout ${hc.hung.timeoutMs}`, `${hc.hung.medianMs.toFixed(0)} ms`, `${hc.hung.spreadPct.toFixed(0)}%`, `${(hc.hung.medianMs / hc.hung.timeoutMs).toFixed(2)}x the timeout`],
    ]);
  }
  if (!only.some((s) => ['backup', 'restore', 'encryption', 'memory'].includes(s))) return;

  const root = join(tmp, 'root');
  const withRestore = await restoreAvailable(binary);
  const withDrill = !args['skip-drill'] && (await drillAvailable(binary));
  // The downtime's yardstick extracts into an empty folder on the volumes' disk.
  const scratch = only.includes('restore') ? await createVolume(`${NAME}-scratch`) : undefined;
  let src;
  let backup;
  let restore;
  results.data = {};
  for (const [n, dataset] of datasets.entries()) {
    const tag = n === 0 ? '' : `-${dataset}`;
    const label = (name) => (datasets.length > 1 ? `${name} (${dataset})` : name);
    const target = await createTarget(`src${tag}`, { seed, scale, dataset, root });
    results.data[dataset] = { seed, scale, files: target.data.files, totalBytes: target.data.totalBytes, keys: target.data.keys };
    if (n === 0) src = target;
    if (!only.some((s) => ['backup', 'restore'].includes(s))) break;
    const keepDir = join(tmp, `archive${tag}`);
    let archive;
    if (only.includes('backup')) {
      log(`backup of the ${dataset} data set: ${heavyRuns} runs per contender after a warm-up`);
      const b = await benchBackup(ctx, target, { runs: heavyRuns, keepDir });
      results.sections[`backup${tag}`] = b.result;
      section(label('backup'), b.rows);
      archive = b.archive;
      if (n === 0) backup = b;
    }
    if (only.includes('restore')) {
      if (!withRestore) {
        section(label('restore'), [['restore command not available (`autocodex-ops restore falkordb --help` failed)', 'skipped', '', '']]);
        results.sections[`restore${tag}`] = { skipped: 'restore command not available' };
      } else {
        archive ??= (await toolBackup(ctx, target, keepDir)).archive;
        const dst = await createTarget(`dst${tag}`, { copyFrom: target, root, running: true });
        log(`restore of the ${dataset} data set: ${heavyRuns} runs per contender after a warm-up`);
        // The drill (issue 17) runs side by side with the restore of the same archive.
        const r = await benchRestore({ ...ctx, withDrill }, dst, archive, { runs: heavyRuns, scratch });
        results.sections[`restore${tag}`] = r.result;
        section(label('restore'), r.rows);
        if (n === 0) restore = r;
      }
    }
    await ctx.removeDir(keepDir);
  }

  if (only.includes('encryption') && withRestore) {
    const edst = await createTarget('edst', { copyFrom: src, root });
    log(`encryption: ${heavyRuns} runs per contender after a warm-up`);
    const e = await benchEncryption(ctx, src, edst, { runs: heavyRuns });
    results.sections.encryption = e.result;
    section('encryption', e.rows);
  }

  if (only.includes('memory')) {
    const double = await createTarget('x2', { seed, scale: scale * 2, dataset: datasets[0], root });
    log('memory: the same commands on a volume twice the size');
    const m = await benchMemory(ctx, {
      single: src,
      double,
      runs: quick ? 1 : 2,
      backupRuns: backup?.result.runs.tool,
      restoreRuns: restore?.result.runs.tool,
      withRestore,
    });
    results.sections.memory = m.result;
    section('memory', m.rows);
  }
  if (only.includes('offsite')) {
    log('offsite: backup push vs s3cmd put to the Ceph RGW of scripts/s3-gateway.sh');
    const o = await benchOffsite({ sizeMB: quick ? 256 : 1024, runs: quick ? 1 : 2 });
    results.sections.offsite = o.result;
    section('offsite', o.rows);
  }
}

const results = {
  startedAt: new Date(t0).toISOString(),
  loadAverage: { start: loadavg() },
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version },
  options: { quick, scale, seed, runs: { backupRestore: heavyRuns, startup: lightRuns * 2, healthcheck: lightRuns }, sections: only },
  method: {
    order: 'one warm-up run per contender, then contenders alternated run by run, rotating who goes first; sync (untimed) between runs',
    ratios: 'run i of the tool divided by run i of the other contender, then the median (and range) of those ratios',
    memory: memoryMethod,
    limit: `host tools on the volume's folder: tar | ${limitCompressor}`,
  },
  sections: {},
};
const rows = [];
onInterrupt();
let failed;
try {
  await main(results, rows);
} catch (err) {
  failed = err;
}
if (interrupted) await new Promise(() => undefined); // the signal handler cleans up and exits 130
log('removing the bench volumes, containers and files');
await cleanup();
results.finishedAt = new Date().toISOString();
results.durationS = Math.round((Date.now() - t0) / 1000);
results.loadAverage.end = loadavg();
const la = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
const v = results.versions ?? {};
console.log(
  `\nautocodex-ops benchmark: ${results.machine.cores} cores (${results.machine.cpu}), ${results.machine.memGiB} GiB, Linux ${results.machine.kernel}, ` +
    `Docker ${v.dockerEngine}, node ${process.version}, ${v.autocodexOps} (${v.git})\n` +
    `data sets ${results.data ? Object.entries(results.data).map(([d, x]) => `${d} ${(x.totalBytes / 1e6).toFixed(0)} MB`).join(', ') + ` (scale ${scale}, seed ${seed})` : 'not used'}; ` +
    `backup/restore ${heavyRuns} runs per contender, start-up ${lightRuns * 2}, healthcheck ${lightRuns}, each after a warm-up\n` +
    `load average (1/5/15 min) at start ${la(results.loadAverage.start)}, at end ${la(results.loadAverage.end)}; took ${(results.durationS / 60).toFixed(1)} min\n`,
);
console.log(table(['section', 'what', 'median', 'spread', 'notes'], rows));
console.log('\nspread: (slowest - fastest) / median of the runs; ratios: run i / run i, median and range.');
if (failed) {
  results.error = String(failed.stack ?? failed);
  console.error(`\nbench failed: ${failed.stack ?? failed}`);
  process.exitCode = 1;
}
writeFileSync(join(repo, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nEvery run: bench/results.json');
