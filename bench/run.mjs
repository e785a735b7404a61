#!/usr/bin/env node
// npm run bench [-- --quick]: measures autocodex-ops side by side with its baselines in one run and
// prints a table; every sample goes to bench/results.json. Performance claims are made here only.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchHealthcheck } from './healthcheck.mjs';
import { alternate, median, run, spread, table } from './lib.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 10;
const binary = join(repo, 'dist/autocodex-ops');

execFileSync('bash', [join(repo, 'scripts/test-env.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (!existsSync(binary)) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });

const rows = [];
const results = { machine: { cores: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, quick, runs, sections: {} };

// Start-up: --version and --help of the single binary against the floor, `node -e 0`.
const startup = await alternate(
  [
    { name: 'node -e 0', once: async () => (await run(process.execPath, ['-e', '0'])).ms },
    { name: 'autocodex-ops --version', once: async () => (await run(binary, ['--version'])).ms },
    { name: 'autocodex-ops --help', once: async () => (await run(binary, ['--help'])).ms },
  ],
  runs * 2,
);
results.sections.startup = startup;
const floor = median(startup['node -e 0']);
for (const [name, xs] of Object.entries(startup)) {
  rows.push(['start-up', name, `${median(xs).toFixed(0)} ms`, `±${spread(xs).toFixed(0)}%`, name === 'node -e 0' ? 'floor' : `${(median(xs) / floor).toFixed(2)}x node -e 0`]);
}

const hc = await benchHealthcheck({ binary, runs });
results.sections.healthcheck = hc;
rows.push(['healthcheck', 'all services up (target < 1 s)', `${hc.up.medianMs.toFixed(0)} ms`, `±${hc.up.spreadPct.toFixed(0)}%`, `slowest: ${hc.up.slowest.join(', ')}`]);
rows.push(['healthcheck', `FalkorDB hung, --timeout ${hc.hung.timeoutMs}`, `${hc.hung.medianMs.toFixed(0)} ms`, `±${hc.hung.spreadPct.toFixed(0)}%`, `${(hc.hung.medianMs / hc.hung.timeoutMs).toFixed(2)}x the timeout`]);

console.log(`\nautocodex-ops benchmark (${results.machine.cores} cores, ${results.machine.cpu}, node ${process.version}, ${runs} runs after a warm-up)\n`);
console.log(table(['section', 'what', 'median', 'spread', 'ratio'], rows));
writeFileSync(join(repo, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nAll samples: bench/results.json');
