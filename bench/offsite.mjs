// Offsite push against the real Ceph RGW of scripts/s3-gateway.sh (issue 20 "Speed"): upload of
// an incompressible archive (default 1 GiB) by `backup push` and by Debian's `s3cmd put` (the
// named baseline, multipart with its default 15 MB chunks) to the same gateway, alternated run by
// run; peak memory (GNU time %M) of both; bundle and binary size. Reports, never asserts.
//   node bench/offsite.mjs [--size-mb 1024] [--runs 2]      (also `npm run bench -- --only offsite`)
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmtRatio, log, median, must, run } from './lib.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function gatewayEnv() {
  const dir = process.env.S3GW_DIR ?? `/tmp/autocodex-ops-s3gw.${process.getuid()}`;
  return Object.fromEntries(readFileSync(join(dir, 'env'), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const peakKB = (stderr) => Number(/PEAK_KB=(\d+)/.exec(stderr)?.[1] ?? NaN);

/** benchOffsite measures push vs s3cmd put; returns the JSON result and the table rows. */
export async function benchOffsite({ sizeMB = 1024, runs = 2 } = {}) {
  const status = await run('bash', [join(repo, 'scripts/s3-gateway.sh'), 'status']);
  const startedHere = status.code !== 0;
  if (startedHere) await must('bash', [join(repo, 'scripts/s3-gateway.sh'), 'start']);
  const work = mkdtempSync(join(tmpdir(), 'aco-bench-s3-'));
  try {
    const gw = gatewayEnv();
    const host = new URL(gw.AUTOCODEX_OPS_TEST_S3_ENDPOINT).host;
    const cfg = join(work, 's3cfg');
    writeFileSync(cfg, `[default]\naccess_key = ${gw.AUTOCODEX_OPS_TEST_S3_ACCESS_KEY}\nsecret_key = ${gw.AUTOCODEX_OPS_TEST_S3_SECRET_KEY}\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = False\n`, { mode: 0o600 });
    const bucket = `aco-bench-${randomBytes(4).toString('hex')}`;
    await must('s3cmd', ['-c', cfg, 'mb', `s3://${bucket}`]);
    // Incompressible, like a backup archive; the name makes it a FalkorDB archive for `backup push`.
    const file = join(work, 'falkordb_data_20260101_000000.tar.gz');
    const hash = createHash('sha256');
    const fd = openSync(file, 'w');
    const chunk = randomBytes(8 * 1024 * 1024);
    for (let i = 0; i < sizeMB / 8; i++) {
      chunk.writeUInt32LE(i, 0);
      writeSync(fd, chunk);
      hash.update(chunk);
    }
    closeSync(fd);
    writeFileSync(`${file}.sha256`, `${hash.digest('hex')}  ${basename(file)}\n`);
    const bytes = statSync(file).size;
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      AUTOCODEX_OPS_S3_URL: `s3://${bucket}/bench`,
      AUTOCODEX_OPS_S3_ENDPOINT: gw.AUTOCODEX_OPS_TEST_S3_ENDPOINT,
      AUTOCODEX_OPS_S3_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: gw.AUTOCODEX_OPS_TEST_S3_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: gw.AUTOCODEX_OPS_TEST_S3_SECRET_KEY,
    };
    const timed = ['-f', 'PEAK_KB=%M'];
    const contenders = {
      s3cmd: () => run('/usr/bin/time', [...timed, 's3cmd', '-c', cfg, '--no-progress', 'put', file, `s3://${bucket}/s3cmd/${basename(file)}`], { env: { ...process.env, HOME: work } }),
      tool: () => run('/usr/bin/time', [...timed, process.execPath, join(repo, 'dist/cli.cjs'), '-q', '--root', work, 'backup', 'push', file], { env }),
    };
    const cleanRemote = async () => {
      await run('s3cmd', ['-c', cfg, '--recursive', 'del', `s3://${bucket}/`]);
    };
    const samples = { s3cmd: [], tool: [] };
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ['s3cmd', 'tool'] : ['tool', 's3cmd'];
      for (const name of order) {
        await cleanRemote();
        await run('sync', []);
        const res = await contenders[name]();
        if (res.code !== 0) throw new Error(`${name} exited ${res.code}: ${res.stderr.slice(-1500)}`);
        samples[name].push({ ms: res.ms, peakKB: peakKB(res.stderr) });
        log(`offsite ${name} run ${i + 1}: ${(bytes / 1e6 / (res.ms / 1000)).toFixed(1)} MB/s, peak ${(peakKB(res.stderr) / 1024).toFixed(0)} MiB`);
      }
    }
    await cleanRemote();
    await run('s3cmd', ['-c', cfg, 'rb', `s3://${bucket}`]);
    const mbps = (xs) => xs.map((s) => bytes / 1e6 / (s.ms / 1000));
    const toolRate = mbps(samples.tool);
    const baseRate = mbps(samples.s3cmd);
    const throughputRatios = toolRate.map((r, i) => r / baseRate[i]);
    const size = (p) => (existsSync(p) ? statSync(p).size : undefined);
    const result = {
      bytes,
      runs,
      samples,
      throughputMBps: { tool: median(toolRate), s3cmd: median(baseRate) },
      ratio: { median: median(throughputRatios), min: Math.min(...throughputRatios), max: Math.max(...throughputRatios) },
      peakMiB: { tool: Math.max(...samples.tool.map((s) => s.peakKB)) / 1024, s3cmd: Math.max(...samples.s3cmd.map((s) => s.peakKB)) / 1024 },
      bundleBytes: size(join(repo, 'dist/cli.cjs')),
      binaryBytes: size(join(repo, 'dist/autocodex-ops')),
    };
    const rows = [
      [`push ${(bytes / 2 ** 30).toFixed(2)} GiB to Ceph RGW`, `${result.throughputMBps.tool.toFixed(1)} MB/s`, '', `s3cmd put ${result.throughputMBps.s3cmd.toFixed(1)} MB/s; tool/s3cmd ${fmtRatio(throughputRatios)} (target ≥ 0.8x)`],
      ['peak memory of the push', `${result.peakMiB.tool.toFixed(0)} MiB`, '', `s3cmd ${result.peakMiB.s3cmd.toFixed(0)} MiB (target < 150 MB)`],
    ];
    return { result, rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (startedHere) await run('bash', [join(repo, 'scripts/s3-gateway.sh'), 'stop']);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, runs: { type: 'string', default: '2' } } });
  const { result, rows } = await benchOffsite({ sizeMB: Number(values['size-mb']), runs: Number(values.runs) });
  for (const r of rows) console.log(r.filter(Boolean).join('  |  '));
  console.log(JSON.stringify({ throughputMBps: result.throughputMBps, ratio: result.ratio, peakMiB: result.peakMiB, bundleBytes: result.bundleBytes, binaryBytes: result.binaryBytes }));
}
