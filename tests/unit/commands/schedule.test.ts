import { describe, expect, it } from 'vitest';
import { runProgram } from '../../helpers/run-program.js';
import { installSchedule } from '../../../src/core/schedule/run-schedule.js';
import { FakeScheduleHost } from '../../helpers/fake-schedule-host.js';

describe('schedule (argv layer)', () => {
  it.each([
    [['schedule', 'install', '--falkordb', '61 2 * * *'], /--falkordb "61 2 \* \* \*": the minute field/],
    // `drill falkordb` exists now (issue 17), so --drill is accepted; a bad schedule for it is still exit 2.
    [['schedule', 'install', '--drill', '61 4 1 * *'], /--drill "61 4 1 \* \*": the minute field/],
    [['schedule', 'install', '--target', 'anacron'], /argument 'anacron' is invalid/],
    [['schedule', 'install', '--keep-min', '0'], /keepMin|keep-min/i],
  ])('%j is exit 2', async (args, message) => {
    const run = await runProgram([...args, '--root', '/nonexistent-root']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('checks the flags before reading any schedule', async () => {
    const host = new FakeScheduleHost();
    let reads = 0;
    host.readCrontab = async () => {
      reads += 1;
      return '';
    };
    const deps = { host, user: 'u', uid: 1, systemdRunning: false, paths: { cronDFile: '/c/x', systemdDir: '/s', cronDDir: '/c', systemCrontab: '/crontab' }, now: () => new Date(), log: { info: () => undefined, warn: () => undefined } };
    await expect(installSchedule({ root: '/r', target: 'auto', dryRun: false, replaceOld: true, tool: ['/t'], logFile: '/l', stateDir: '/s', when: { userdata: 'hourly' }, hasCommand: () => true }, deps)).rejects.toThrow(/--userdata "hourly"/);
    expect(reads).toBe(0);
  });
});
