import { describe, expect, it } from 'vitest';
import { installSchedule, removeSchedule, showSchedule, type InstallOptions, type ScheduleDeps } from '../../../../src/core/schedule-run/run-schedule.js';
import { unitPrefix } from '../../../../src/core/schedule/targets.js';
import { FakeScheduleHost } from '../../../helpers/fake-schedule-host.js';

const paths = { cronDFile: '/etc/cron.d/autocodex-ops', systemdDir: '/etc/systemd/system', cronDDir: '/etc/cron.d', systemCrontab: '/etc/crontab' };
const OLD = '0 2 * * * BACKUP_RETENTION_DAYS=14 /path/to/Auto-Codex/scripts/backup-falkordb.sh';
const FOREIGN = `MAILTO=""\n# keep\n*/10 * * * * /usr/bin/true   x\n${OLD}\n5 5 * * * /bin/date\n`;

function setup(over: Partial<ScheduleDeps> = {}) {
  const host = new FakeScheduleHost();
  const warnings: string[] = [];
  const deps: ScheduleDeps = { host, user: 'ops', uid: 1000, systemdRunning: false, paths, now: () => new Date('2026-12-01T10:00:00Z'), log: { info: () => undefined, warn: (m) => warnings.push(m) }, ...over };
  return { host, deps, warnings };
}
const options = (over: Partial<InstallOptions> = {}): InstallOptions => ({
  root: '/srv/ac',
  target: 'auto',
  dryRun: false,
  replaceOld: false,
  tool: ['/usr/bin/node', '/opt/cli.cjs'],
  logFile: '/srv/ac/logs/autocodex-ops-cron.log',
  stateDir: '/srv/ac/.autocodex-ops/schedule',
  when: {},
  hasCommand: (p) => p.startsWith('backup '),
  ...over,
});

describe('installSchedule', () => {
  it("installs the default FalkorDB job in a user's crontab, leaves the drill out when the build lacks it, and warns about old lines", async () => {
    const { host, deps, warnings } = setup();
    host.crontab = FOREIGN;
    const result = await installSchedule(options(), deps);
    expect(result).toMatchObject({ target: 'crontab', where: 'crontab of ops', unavailable: ['drill'], jobs: [{ id: 'falkordb', schedule: '30 2 * * *' }], replaced: [] });
    expect(host.crontab.startsWith(FOREIGN)).toBe(true);
    expect(warnings.join('\n')).toMatch(/crontab of ops still runs the old backup-falkordb\.sh \(0 2 \* \* \*\)/);
    // Idempotent: a second install leaves exactly one entry.
    await installSchedule(options({ when: { falkordb: '0 4 * * *', userdata: 'daily' } }), deps);
    expect(host.crontab.match(/backup falkordb/g)).toHaveLength(1);
    expect((await showSchedule('/srv/ac', [], deps)).jobs.map((j) => `${j.id} ${j.schedule}`)).toEqual(['falkordb 0 4 * * *', 'userdata 45 2 * * *']);
  });

  it('a scheduled userData backup is drilled on the --drill schedule, a quarter of an hour after the FalkorDB drill; none without one', async () => {
    const { deps } = setup();
    const all = (p: string) => p.startsWith('backup ') || p.startsWith('drill ');
    const withUserdata = await installSchedule(options({ when: { userdata: 'daily', drill: 'weekly' }, hasCommand: all }), deps);
    expect(withUserdata.jobs.map((j) => `${j.id} ${j.schedule} ${j.command.split(' --root /srv/ac ')[1]}`)).toEqual([
      'falkordb 30 2 * * * backup falkordb',
      'userdata 45 2 * * * backup userdata',
      'drill 0 4 * * 0 drill falkordb --latest',
      'drill-userdata 15 4 * * 0 drill userdata --latest',
    ]);
    const alone = await installSchedule(options({ hasCommand: all }), deps);
    expect(alone.jobs.map((j) => j.id)).toEqual(['falkordb', 'drill']);
  });

  it('dry-run changes nothing', async () => {
    const { host, deps } = setup({ uid: 0 });
    host.crontab = FOREIGN;
    const result = await installSchedule(options({ dryRun: true, replaceOld: true }), deps);
    expect(result).toMatchObject({ target: 'cron.d', dryRun: true, replaced: [expect.objectContaining({ line: OLD })] });
    expect(host.crontab).toBe(FOREIGN);
    expect(host.files.size).toBe(0);
  });

  it('--replace-old takes the old line out with its time and variables, saves the crontab, and remove --restore-old puts it back byte for byte', async () => {
    const { host, deps } = setup();
    host.crontab = FOREIGN;
    const result = await installSchedule(options({ replaceOld: true }), deps);
    expect(result.jobs).toEqual([expect.objectContaining({ id: 'falkordb', schedule: '0 2 * * *', command: '/usr/bin/node /opt/cli.cjs -q --root /srv/ac backup falkordb --retention-days 14' })]);
    expect(host.crontab).not.toContain('backup-falkordb.sh');
    expect(host.files.get(result.savedCopies[0]!)).toEqual({ text: FOREIGN, mode: 0o600 });
    // remove alone does not bring it back.
    const removed = await removeSchedule({ root: '/srv/ac', target: 'auto', restoreOld: false, stateDir: options().stateDir }, deps);
    expect(removed.removed).toEqual([{ target: 'crontab', where: 'crontab of ops' }]);
    expect(host.crontab).toBe(FOREIGN.replace(`${OLD}\n`, ''));
    const restored = await removeSchedule({ root: '/srv/ac', target: 'auto', restoreOld: true, stateDir: options().stateDir }, deps);
    expect(restored.restored).toEqual([{ source: 'crontab of ops', line: OLD }]);
    expect(host.crontab).toBe(FOREIGN);
  });

  it('an explicit flag wins over the old line and an unknown variable stays off the new line', async () => {
    const { host, deps } = setup();
    host.crontab = '0 2 * * * GRAPHITI_FALKORDB_PASSWORD=s3cretpw BACKUP_DIR=/b /x/scripts/backup-falkordb.sh\n';
    const result = await installSchedule(options({ replaceOld: true, when: { falkordb: '15 1 * * *' } }), deps);
    expect(result.jobs[0]).toMatchObject({ schedule: '15 1 * * *', command: expect.stringContaining('backup falkordb --output-dir /b') });
    expect(result.notCarried).toEqual(['GRAPHITI_FALKORDB_PASSWORD']);
    expect(host.crontab).not.toContain('s3cretpw');
  });

  it('puts the old lines back when writing the new jobs fails', async () => {
    const { host, deps } = setup({ uid: 0 });
    host.crontab = FOREIGN;
    host.failWrite = paths.cronDFile;
    await expect(installSchedule(options({ replaceOld: true }), deps)).rejects.toThrow(/EACCES/);
    expect(host.crontab).toBe(FOREIGN);
  });

  it('as root without systemd writes /etc/cron.d/autocodex-ops (0644, with the user field); moving to the crontab removes it', async () => {
    const { host, deps } = setup({ uid: 0, user: 'root' });
    await installSchedule(options(), deps);
    const file = host.files.get(paths.cronDFile)!;
    expect(file.mode).toBe(0o644);
    expect(file.text).toMatch(/^30 2 \* \* \* root \/usr\/bin\/node /m);
    const moved = await installSchedule(options({ target: 'crontab' }), deps);
    expect(moved.removedElsewhere).toEqual([paths.cronDFile]);
    expect(host.files.has(paths.cronDFile)).toBe(false);
  });

  it('with systemd writes a oneshot service and a persistent timer per job and enables the timer; remove disables and deletes them', async () => {
    const { host, deps } = setup({ uid: 0, systemdRunning: true });
    await installSchedule(options({ when: { falkordb: '0 4 * * 1-5' } }), deps);
    const unit = `${paths.systemdDir}/${unitPrefix('/srv/ac')}falkordb`;
    expect(host.files.get(`${unit}.timer`)?.text).toContain('OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 04:00:00\nPersistent=true');
    expect(host.files.get(`${unit}.service`)?.text).toContain('ExecStart=/usr/bin/node /opt/cli.cjs -q --root /srv/ac backup falkordb\n');
    expect(host.systemctlCalls).toEqual(['daemon-reload', `enable --now ${unitPrefix('/srv/ac')}falkordb.timer`]);
    await removeSchedule({ root: '/srv/ac', target: 'auto', restoreOld: false, stateDir: '/x' }, deps);
    expect(host.files.size).toBe(0);
    expect(host.systemctlCalls.slice(2)).toEqual([`disable --now ${unitPrefix('/srv/ac')}falkordb.timer`, 'daemon-reload']);
  });
});

describe('showSchedule', () => {
  it("reports each job's last run for this root from the audit trail", async () => {
    const { deps } = setup();
    await installSchedule(options(), deps);
    const runs = [
      { command: 'backup falkordb', root: '/srv/ac', time: '2026-12-01T02:30:05Z', outcome: 'failed', exitCode: 10 },
      { command: 'backup falkordb', root: '/srv/other', time: '2026-12-01T03:30:05Z', outcome: 'ok', exitCode: 0 },
    ];
    const shown = await showSchedule('/srv/ac', runs, deps);
    expect(shown.jobs[0]).toMatchObject({ id: 'falkordb', target: 'crontab', lastRun: { time: '2026-12-01T02:30:05Z', outcome: 'failed', exitCode: 10 } });
  });
});
