// Shared helpers of the benchmark: timing child processes, medians, spreads, ratios, tables.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Children still running, so that an interrupted bench can end them before it cleans up. */
export const liveChildren = new Set();

/**
 * run starts a command and resolves with its exit code, wall time (ms), output and pid; `onSpawn`
 * sees the child as soon as it exists (the memory sampler polls its process tree).
 */
export function run(cmd, args, { env = process.env, cwd, input, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      liveChildren.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr, pid: child.pid });
    });
    onSpawn?.(child);
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** must runs a command and rejects with its stderr when it exits non-zero. */
export async function must(cmd, args, options) {
  const res = await run(cmd, args, options);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.code ?? res.signal}: ${res.stderr.trim().slice(-2000)}`);
  return res;
}

/** docker runs the docker CLI and resolves with its trimmed stdout; rejects on a non-zero exit. */
export async function docker(...args) {
  return (await must('docker', args)).stdout.trim();
}

/** childrenOf lists the pids of a process's direct children (from /proc). */
export function childrenOf(pid) {
  const out = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    }
  } catch {
    // the process ended between two reads
  }
  return out;
}

/** descendants lists the pids of every process below `pid` (from /proc). */
export function descendants(pid) {
  const all = [];
  for (let queue = childrenOf(pid); queue.length > 0; ) {
    const p = queue.shift();
    all.push(p);
    queue.push(...childrenOf(p));
  }
  return all;
}

export const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** spread is (max - min) / median, as a percentage: how noisy the runs were. */
export const spread = (xs) => (xs.length < 2 ? 0 : ((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100);

/** ratios divides run i of `a` by run i of `b`: runs taken side by side share the machine's drift. */
export const ratios = (a, b) => a.slice(0, Math.min(a.length, b.length)).map((x, i) => x / b[i]);

/**
 * alternate runs every contender `runs` times after one warm-up each, interleaving them run by run
 * and rotating who goes first, so that the machine's drift and any after-effect of the previous
 * contender hit all of them alike. A contender's `once()` returns its wall time in ms, or a record
 * `{ ms, ... }`; `between()` (untimed) runs after every run. Returns the records per contender.
 */
export async function alternate(contenders, runs, { between, onRun } = {}) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const record = (r) => (typeof r === 'number' ? { ms: r } : r);
  for (const c of contenders) {
    await c.once({ warmup: true });
    await between?.();
  }
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(i + k) % contenders.length];
      const r = record(await c.once({ warmup: false, run: i }));
      samples[c.name].push(r);
      onRun?.(c.name, i, r);
      await between?.();
    }
  }
  return samples;
}

/** ms picks the wall times out of alternate's records. */
export const ms = (records) => records.map((r) => r.ms);

/** fmtMs renders a duration: "850 ms" or "13.3 s". */
export const fmtMs = (x) => (x < 1000 ? `${x.toFixed(0)} ms` : `${(x / 1000).toFixed(1)} s`);

/** fmtMB renders bytes in decimal megabytes, as the sizes are given. */
export const fmtMB = (bytes) => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;

/** fmtRatio renders the median of pair-by-pair ratios with their spread: "0.45x (0.41-0.52)". */
export function fmtRatio(rs) {
  if (rs.length === 0) return 'n/a';
  const r = median(rs);
  return rs.length < 2 ? `${r.toFixed(2)}x` : `${r.toFixed(2)}x (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`;
}

/** table renders rows of cells as an aligned text table. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** log prints a progress line of the bench on stderr, so that stdout keeps the table only. */
export const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
