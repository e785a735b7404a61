// Peak memory of the tool (memory.mjs says how it is measured) in the backup and restore runs, and
// its growth when the volume doubles: the same commands on a volume of twice the reference size.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toolBackup } from './backup.mjs';
import { log, median } from './lib.mjs';
import { memoryMethod, runMeasured } from './memory.mjs';
import { toolRestore } from './restore.mjs';

const MB = (kib) => (kib * 1024) / 1e6;
const fmt = (kib) => `${MB(kib).toFixed(0)} MB`;
const signed = (x) => (Math.round(x) === 0 ? '±0' : `${x > 0 ? '+' : ''}${x.toFixed(0)}`);
const highest = (records) => Math.max(...records.map((r) => r.peakRssKiB));

/**
 * benchMemory measures `--version` as the binary's baseline, takes the 1x peaks from the backup and
 * restore sections' runs (or measures them here when those sections were skipped), and runs backup
 * and restore `runs` times on `double` (a target holding twice the data). Resolves with every run
 * and the table rows; targets are reported, never asserted.
 */
export async function benchMemory(ctx, { single, double, runs, backupRuns, restoreRuns, withRestore }) {
  const version = [];
  for (let i = 0; i < 3; i++) version.push(await runMeasured(ctx.binary, ['--version'], { env: process.env, tmp: ctx.tmp }));
  const measure = async (target, label, n) => {
    const out = { backup: [], restore: [] };
    const dir = join(ctx.tmp, `memory-${label}`);
    for (let i = 0; i < n; i++) {
      ctx.checkInterrupted();
      mkdirSync(join(dir, 'out'), { recursive: true });
      const b = await toolBackup(ctx, target, join(dir, 'out'));
      out.backup.push(b);
      log(`memory ${label}: backup ${(b.ms / 1000).toFixed(1)} s, peak ${fmt(b.peakRssKiB)}`);
      if (withRestore) {
        mkdirSync(join(dir, 'pre'), { recursive: true });
        const r = await toolRestore(ctx, target, b.archive, join(dir, 'pre'));
        out.restore.push(r);
        log(`memory ${label}: restore ${(r.ms / 1000).toFixed(1)} s, peak ${fmt(r.peakRssKiB)}`);
      }
      await ctx.removeDir(dir);
    }
    return out;
  };
  const one = backupRuns?.length ? { backup: backupRuns, restore: restoreRuns ?? [] } : await measure(single, '1x', runs);
  if (withRestore && one.restore.length === 0) one.restore = (await measure(single, '1x', runs)).restore;
  const two = await measure(double, '2x', runs);
  const size = (t) => `${(t.data.totalBytes / 1e6).toFixed(0)} MB`;
  const v = median(version.map((r) => r.peakRssKiB));
  const rows = [['autocodex-ops --version (the binary alone)', fmt(v), '', 'baseline']];
  const children = [...one.backup, ...one.restore, ...two.backup, ...two.restore].reduce((s, r) => s + r.descendantsSeen, 0);
  for (const cmd of withRestore ? ['backup', 'restore'] : ['backup']) {
    const a = highest(one[cmd]);
    const b = highest(two[cmd]);
    rows.push([`${cmd}, ${size(single)} volume (highest of ${one[cmd].length} runs)`, fmt(a), '', `target < 150 MB`]);
    rows.push([`${cmd}, ${size(double)} volume (highest of ${two[cmd].length} runs)`, fmt(b), '', `${signed(MB(b) - MB(a))} MB (${(b / a).toFixed(2)}x) when the volume doubles`]);
  }
  rows.push(['child processes started by the tool', String(children), '', 'so the process peak is the process tree\'s']);
  return {
    result: {
      method: memoryMethod,
      versionPeakKiB: version.map((r) => r.peakRssKiB),
      single: { dataBytes: single.data.totalBytes, backupPeakKiB: one.backup.map((r) => r.peakRssKiB), restorePeakKiB: one.restore.map((r) => r.peakRssKiB) },
      double: { dataBytes: double.data.totalBytes, backup: two.backup, restore: two.restore },
      childProcesses: children,
    },
    rows,
  };
}
