// Peak memory of the tool from the kernel's accounting. autocodex-ops is one process (backup and
// restore talk to Docker over its socket and start no subprocess), so its peak resident set is the
// whole tree's; the sampler below checks that claim on every run instead of assuming it.
//  - primary: GNU time's %M, i.e. ru_maxrss from wait4(): the kernel's high-water mark of the
//    process's resident set (VmHWM at exit); exact, no sampling.
//  - without /usr/bin/time: VmHWM read from /proc/<pid>/status every 50 ms (misses growth in the
//    last interval before exit), labelled as such.
//  - always: the sum of VmRSS over the process's descendants, sampled every 50 ms.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, descendants, run } from './lib.mjs';

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME) && (await run(GNU_TIME, ['-f', '%M', 'true'])).code === 0;

/** How peak memory is measured on this machine, for the results. */
export const memoryMethod = hasGnuTime
  ? 'kernel ru_maxrss of the tool process (GNU time %M = VmHWM at exit); descendants sampled every 50 ms'
  : 'VmHWM of the tool process sampled every 50 ms from /proc (no /usr/bin/time); descendants sampled likewise';

const statusKiB = (pid, field) => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};

/**
 * runMeasured runs `cmd args` and resolves like lib.run, plus `peakRssKiB` (the tool process's
 * peak resident set, see above), `descendantsSeen` (how many processes it started) and
 * `descendantsPeakKiB` (the largest sampled sum of their resident sets).
 */
export async function runMeasured(cmd, args, { env, tmp } = {}) {
  const timeFile = join(tmp, `time-${process.hrtime.bigint()}.txt`);
  // %U %S: the tool's CPU seconds (user, system), steadier than wall time on a busy machine.
  const [file, argv] = hasGnuTime ? [GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  let toolPid;
  let hwm = 0;
  const seen = new Set();
  let descendantsPeakKiB = 0;
  let timer;
  const res = await run(file, argv, {
    env,
    onSpawn: (child) => {
      const sample = () => {
        if (toolPid === undefined) toolPid = hasGnuTime ? childrenOf(child.pid)[0] : child.pid;
        if (toolPid === undefined) return;
        hwm = Math.max(hwm, statusKiB(toolPid, 'VmHWM'));
        const kids = descendants(toolPid);
        for (const k of kids) seen.add(k);
        descendantsPeakKiB = Math.max(descendantsPeakKiB, kids.reduce((sum, k) => sum + statusKiB(k, 'VmRSS'), 0));
      };
      timer = setInterval(sample, 50);
      sample();
    },
  });
  clearInterval(timer);
  let peakRssKiB = hwm;
  let cpuMs;
  if (hasGnuTime) {
    const lines = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n') : [];
    rmSync(timeFile, { force: true });
    // GNU time prints "Command exited with non-zero status N" before the figures then.
    const [user, sys, maxRss] = (lines.at(-1) ?? '').split(' ').map(Number);
    peakRssKiB = maxRss || hwm;
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = (user + sys) * 1000;
  }
  return { ...res, peakRssKiB, cpuMs, descendantsSeen: seen.size, descendantsPeakKiB };
}
