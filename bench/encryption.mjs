// Encrypted backups and restores (issue 21: each at most 1.15x its unencrypted twin), side by side
// on the same volume, alternated run by run:
//  - `backup falkordb --mode live` without and with AUTOCODEX_OPS_AGE_RECIPIENTS;
//  - `restore falkordb --yes` (no health wait) of the plain archive, and of the encrypted one with
//    AUTOCODEX_OPS_AGE_IDENTITY (its safety copy is then encrypted too, as the tool does);
//  - for scale, the reference `age` CLI encrypting the plain archive (`age -r <key> <in >out`).
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { toolBackup } from './backup.mjs';
import { alternate, fmtMs, fmtRatio, log, median, ms, must, ratios, spread } from './lib.mjs';
import { toolRestore } from './restore.mjs';
import { checkContent } from './target.mjs';

/** benchEncryption measures plain against encrypted backups of `src` and restores onto `dst`; resolves with the runs and the table rows. */
export async function benchEncryption(ctx, src, dst, { runs }) {
  const keys = join(ctx.tmp, 'age-keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const identity = join(keys, 'key.txt');
  rmSync(identity, { force: true });
  await must('age-keygen', ['-o', identity]);
  chmodSync(identity, 0o600);
  const recipient = (await must('age-keygen', ['-y', identity])).stdout.trim();
  const work = join(ctx.tmp, 'enc-out');
  const keep = { plain: join(ctx.tmp, 'enc-keep-plain'), encrypted: join(ctx.tmp, 'enc-keep-age') };
  let n = 0;
  // The plain archive the age CLI encrypts: the warm-up's plain backup is there before it runs.
  let lastPlain;
  const fresh = (who) => {
    const dir = join(work, `${who}-${++n}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const backupOnce = (who, env) => async () => {
    const r = await toolBackup(ctx, { ...src, env: { ...src.env, ...env } }, fresh(who));
    rmSync(keep[who], { recursive: true, force: true });
    mkdirSync(keep[who], { recursive: true });
    await must('sh', ['-c', 'mv "$1"* "$2"/', '_', r.archive, keep[who]]);
    r.archive = join(keep[who], r.archive.split('/').at(-1));
    if (who === 'plain') lastPlain = r.archive;
    return r;
  };
  const between = async () => {
    ctx.checkInterrupted();
    rmSync(work, { recursive: true, force: true });
    await must('sync', []);
  };
  const backups = await alternate(
    [
      { name: 'plain', once: backupOnce('plain', {}) },
      { name: 'encrypted', once: backupOnce('encrypted', { AUTOCODEX_OPS_AGE_RECIPIENTS: recipient }) },
      {
        name: 'ageCli',
        once: async () => must('sh', ['-c', 'age -r "$1" <"$2" >"$3"', '_', recipient, lastPlain, join(fresh('age'), 'x.age')]),
      },
    ],
    runs,
    { between, onRun: (name, i, r) => log(`encryption backup run ${i + 1}/${runs}: ${name} ${fmtMs(r.ms)}`) },
  );
  const plainArchive = backups.plain.at(-1).archive;
  const encArchive = backups.encrypted.at(-1).archive;
  const preDir = join(ctx.tmp, 'enc-pre');
  const restoreOnce = (archive, env) => async () => {
    rmSync(preDir, { recursive: true, force: true });
    mkdirSync(preDir, { recursive: true });
    return toolRestore(ctx, { ...dst, env: { ...dst.env, ...env } }, archive, preDir);
  };
  const restores = await alternate(
    [
      { name: 'plain', once: restoreOnce(plainArchive, {}) },
      { name: 'encrypted', once: restoreOnce(encArchive, { AUTOCODEX_OPS_AGE_IDENTITY: identity }) },
    ],
    runs,
    {
      between: async () => {
        ctx.checkInterrupted();
        checkContent(dst, 'a restore');
        rmSync(preDir, { recursive: true, force: true });
        await must('sync', []);
      },
      onRun: (name, i, r) => log(`encryption restore run ${i + 1}/${runs}: ${name} ${fmtMs(r.ms)}`),
    },
  );
  const cpu = (records) => records.map((r) => r.cpuMs ?? NaN);
  const cpuNote = (a, b) => (cpu(a).some(Number.isNaN) ? '' : `CPU ${fmtRatio(ratios(cpu(a), cpu(b)))} (tool process, user+sys)`);
  const bp = ms(backups.plain);
  const be = ms(backups.encrypted);
  const ba = ms(backups.ageCli);
  const rp = ms(restores.plain);
  const re = ms(restores.encrypted);
  const rows = [
    ['autocodex-ops backup falkordb --mode live', fmtMs(median(bp)), `${spread(bp).toFixed(0)}%`, 'plain .tar.gz'],
    ['… with AUTOCODEX_OPS_AGE_RECIPIENTS', fmtMs(median(be)), `${spread(be).toFixed(0)}%`, '.tar.gz.age, read back through the file key'],
    ['age -r on the plain archive (reference CLI)', fmtMs(median(ba)), `${spread(ba).toFixed(0)}%`, 'encryption alone, for scale'],
    ['→ encrypted / plain backup (target ≤ 1.15x)', fmtRatio(ratios(be, bp)), '', `median of run-by-run ratios (range); ${cpuNote(backups.encrypted, backups.plain)}`],
    ['autocodex-ops restore falkordb --yes (no health wait)', fmtMs(median(rp)), `${spread(rp).toFixed(0)}%`, 'plain archive, plain safety copy'],
    ['… of the .tar.gz.age with AUTOCODEX_OPS_AGE_IDENTITY', fmtMs(median(re)), `${spread(re).toFixed(0)}%`, 'decrypted on the way; encrypted safety copy'],
    ['→ encrypted / plain restore (target ≤ 1.15x)', fmtRatio(ratios(re, rp)), '', cpuNote(restores.encrypted, restores.plain)],
  ];
  rmSync(keys, { recursive: true, force: true });
  await ctx.removeDir(keep.plain);
  await ctx.removeDir(keep.encrypted);
  return { result: { runs: { backups, restores } }, rows };
}
