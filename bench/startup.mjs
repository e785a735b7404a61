// Start-up: `autocodex-ops --version` and `--help` of the single binary against the floor, `node -e 0`
// (target: --version within 1.5x of node -e 0).
import { alternate, fmtRatio, median, ms, ratios, run, spread } from './lib.mjs';

/** benchStartup alternates the three commands `runs` times; resolves with every run and the table rows. */
export async function benchStartup({ binary, runs, checkInterrupted = () => undefined }) {
  const samples = await alternate(
    [
      { name: 'node -e 0', once: async () => (await run(process.execPath, ['-e', '0'])).ms },
      { name: 'autocodex-ops --version', once: async () => (await run(binary, ['--version'])).ms },
      { name: 'autocodex-ops --help', once: async () => (await run(binary, ['--help'])).ms },
    ],
    runs,
    { between: async () => checkInterrupted() },
  );
  const floor = ms(samples['node -e 0']);
  const rows = Object.entries(samples).map(([name, records]) => {
    const xs = ms(records);
    const note = name === 'node -e 0' ? 'floor' : `${fmtRatio(ratios(xs, floor))} node -e 0${name.endsWith('--version') ? ' (target ≤ 1.5x)' : ''}`;
    return [name, `${median(xs).toFixed(0)} ms`, `${spread(xs).toFixed(0)}%`, note];
  });
  return { result: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, ms(v)])), rows };
}
