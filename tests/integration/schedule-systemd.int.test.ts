import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createExec } from '../../src/core/exec/exec.js';
import { installSchedule } from '../../src/core/schedule/run-schedule.js';
import { createScheduleHost } from '../../src/core/schedule/host.js';

// The systemd target without a running systemd (this machine has none): the units the tool writes
// are judged by systemd's own offline parser (`systemd-analyze verify` and `calendar`), and on a
// machine where systemctl cannot reach a manager the install fails cleanly, leaving no unit behind.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BUNDLE = join(REPO, 'dist', 'cli.cjs');

describe('schedule --target systemd', () => {
  it("writes units systemd-analyze verifies, with calendars systemd parses as cron's times", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-int-units-'));
    const calls: string[] = [];
    const host = { ...createScheduleHost(createExec()), systemctl: async (args: string[]) => void calls.push(args.join(' ')) };
    const deps = { host, user: 'root', uid: 0, systemdRunning: true, paths: { cronDFile: join(dir, 'cron.d', 'x'), cronDDir: join(dir, 'cron.d'), systemCrontab: join(dir, 'crontab'), systemdDir: dir }, now: () => new Date(), log: { info: () => undefined, warn: () => undefined } };
    const result = await installSchedule(
      { root: "/srv/a 50% c's", target: 'auto', dryRun: false, replaceOld: false, tool: [process.execPath, BUNDLE], logFile: '/unused', stateDir: join(dir, 'state'), when: { falkordb: '0 4 * * 1-5', userdata: '*/15 * * * *' }, hasCommand: (p) => p.startsWith('backup ') },
      deps,
    );
    expect(result.target).toBe('systemd');
    const units = readdirSync(dir).filter((n) => /\.(service|timer)$/.test(n)).map((n) => join(dir, n));
    expect(units).toHaveLength(4);
    const service = readFileSync(units.find((u) => u.endsWith('falkordb.service'))!, 'utf8');
    expect(service).toContain(`\nExecStart=${process.execPath} ${BUNDLE} -q --root "/srv/a 50%% c's" backup falkordb\n`);
    const verify = await execa('systemd-analyze', ['verify', '--man=no', ...units], { reject: false });
    expect(verify.exitCode, `${verify.stdout}${verify.stderr}`).toBe(0);
    expect(calls).toEqual(['daemon-reload', ...units.filter((u) => u.endsWith('.timer')).map((u) => `enable --now ${u.slice(dir.length + 1)}`).sort()]);
    const cal = await execa('systemd-analyze', ['calendar', 'Mon,Tue,Wed,Thu,Fri *-*-* 04:00:00', '*-*-* *:0/15:00']);
    expect(cal.stdout).toContain('Normalized form: Mon..Fri *-*-* 04:00:00');
    expect(cal.stdout).toContain('Normalized form: *-*-* *:00/15:00');
  });

  it('without a running systemd, install --target systemd fails with systemctl\'s words and leaves no unit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aco-int-sd-root-'));
    const dir = mkdtempSync(join(tmpdir(), 'aco-int-sd-units-'));
    const res = await execa(process.execPath, [BUNDLE, 'schedule', 'install', '--target', 'systemd', '--root', root], { reject: false, env: { NO_COLOR: '1', AUTOCODEX_OPS_SYSTEMD_DIR: dir } });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/`systemctl daemon-reload` failed \(exit \d+\): .*(systemd|bus|connect)/i);
    expect(readdirSync(dir)).toEqual([]);
  });
});
