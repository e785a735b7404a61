// Shared helpers of the benchmark: timing child processes, medians, spreads, tables.
import { spawn } from 'node:child_process';

/** run starts a command and resolves with its exit code, wall time (ms) and output. */
export function run(cmd, args, { env = process.env, input } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr }));
    child.stdin.end(input);
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** spread is (max - min) / median, as a percentage: how noisy the runs were. */
export const spread = (xs) => (xs.length < 2 ? 0 : ((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100);

/**
 * alternate runs every contender `runs` times after one warm-up each, interleaving them run by run
 * so that the machine's drift hits all of them alike; returns the samples per contender.
 */
export async function alternate(contenders, runs) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await c.once();
  for (let i = 0; i < runs; i++) {
    for (const c of contenders) samples[c.name].push(await c.once());
  }
  return samples;
}

/** table renders rows of cells as an aligned text table. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
