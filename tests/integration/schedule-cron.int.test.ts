import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, GRAPHITI_STANDIN } from '../helpers/docker.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// Issue 25 with the real things: Debian's cron daemon (started and stopped by pid here) runs the
// job `schedule install` wrote into /etc/cron.d, the job backs up the stand-in FalkorDB, then
// fails once FalkorDB is stopped; the failure reaches a real HTTP receiver and the metrics file,
// which promtool accepts. The crontab test runs as `nobody` through the real crontab(1).
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BUNDLE = join(REPO, 'dist', 'cli.cjs');
const PASSWORD = 'cron-int-pw-3e9d';
const TOKEN = 'cron-hook-token-77aa';

const until = async <T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(1000);
  }
};

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('schedule with the real cron daemon', () => {
  const env = new DockerTestEnv();
  const root = mkdtempSync(join(tmpdir(), 'aco-int-cron-'));
  const cronDFile = `/etc/cron.d/aco-test-${env.runId.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const metrics = join(root, 'autocodex_ops.prom');
  let cron: ChildProcess | undefined;
  let hook: WebhookReceiver;
  let falkordb: string;

  const ops = (args: string[], extra: Record<string, string> = {}) =>
    execa(process.execPath, [BUNDLE, ...args, '--root', root], { reject: false, env: { NO_COLOR: '1', AUTOCODEX_OPS_CRON_D_FILE: cronDFile, ...extra } });

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) await execa('npm', ['run', 'build:bundle'], { cwd: REPO });
    await ensureStandinImages(env.docker);
    const project = env.uniqueName('proj');
    const volume = await env.createVolume('data');
    falkordb = env.uniqueName('falkordb');
    const labels = (service: string) => ({ ...env.label, 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.oneoff': 'False' });
    const c = await env.docker.createContainer({
      name: falkordb,
      Image: FALKORDB_STANDIN,
      Labels: labels('falkordb'),
      Env: [`REDIS_ARGS=--requirepass ${PASSWORD} --appendonly yes`],
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
    });
    await c.start();
    const graphiti = env.uniqueName('graphiti');
    await env.docker.createContainer({ name: graphiti, Image: GRAPHITI_STANDIN, Labels: labels('graphiti-mcp'), HostConfig: { NetworkMode: 'none' } }).then((g) => g.start());
    const port = Number((await c.inspect()).NetworkSettings.Ports['6379/tcp']?.[0]?.HostPort);
    hook = await startWebhookReceiver();
    // The job reads everything, secrets included, from the root's .env: nothing secret is on its line.
    writeFileSync(
      join(root, '.env'),
      [
        `COMPOSE_PROJECT_NAME=${project}`,
        `FALKORDB_CONTAINER_NAME=${falkordb}`,
        `GRAPHITI_MCP_CONTAINER_NAME=${graphiti}`,
        'GRAPHITI_FALKORDB_HOST=127.0.0.1',
        `GRAPHITI_FALKORDB_PORT=${port}`,
        `GRAPHITI_FALKORDB_PASSWORD=${PASSWORD}`,
        `AUTOCODEX_OPS_NOTIFY_URL=${hook.url(`/hook?token=${TOKEN}`)}`,
        `AUTOCODEX_OPS_METRICS_FILE=${metrics}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // Debian's cron in the foreground, so this test owns its pid. If the machine already runs one,
    // that one reads /etc/cron.d just the same.
    const child = spawn('cron', ['-f', '-L', '15'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await delay(1500);
    if (child.exitCode === null) cron = child;
    else if (!/already running/i.test(stderr)) throw new Error(`cron did not start: ${stderr}`);
  });

  afterAll(async () => {
    rmSync(cronDFile, { force: true });
    if (cron?.pid) {
      process.kill(cron.pid, 'SIGTERM');
      await new Promise((r) => cron!.once('exit', r));
    }
    await hook?.stop();
    await env.cleanup();
  });

  it('cron runs the installed job: a real backup, then a failure that notifies and shows in the metrics; one entry after a second install', async () => {
    const install = await ops(['schedule', 'install', '--falkordb', '* * * * *', '--target', 'cron.d', '--retention-days', '30', '--json']);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(JSON.parse(install.stdout)).toMatchObject({ target: 'cron.d', where: cronDFile, jobs: [{ id: 'falkordb', schedule: '* * * * *' }, { id: 'drill', schedule: '0 4 1 * *' }] });
    const again = await ops(['schedule', 'install', '--falkordb', '* * * * *', '--target', 'cron.d', '--retention-days', '30']);
    expect(again.exitCode, again.stderr).toBe(0);
    const file = readFileSync(cronDFile, 'utf8');
    expect(file.match(/^\* \* \* \* \* root .* -q --root .* backup falkordb --retention-days 30 >>.*autocodex-ops-cron\.log 2>&1$/gm)).toHaveLength(1);
    expect(file).not.toContain(PASSWORD);
    expect(file).not.toContain(TOKEN);
    expect(statSync(cronDFile).mode & 0o777).toBe(0o644);

    // Within about a minute cron starts it; the archive appears complete under its final name.
    const archive = await until('the scheduled backup', 130_000, () => {
      const dir = join(root, 'backups');
      return existsSync(dir) ? readdirSync(dir).find((n) => /^falkordb_data_\d{8}_\d{6}\.tar\.gz$/.test(n) && existsSync(join(dir, `${n}.manifest.json`))) : undefined;
    });
    const entries = (await execa('tar', ['-tzf', join(root, 'backups', archive)])).stdout;
    expect(entries).toContain('./appendonlydir/');
    const ok = await until('success metrics', 30_000, () => (existsSync(metrics) && readFileSync(metrics, 'utf8').includes('autocodex_ops_last_run_success{command="backup",kind="falkordb"} 1') ? readFileSync(metrics, 'utf8') : undefined));
    expect(ok).toContain(`autocodex_ops_backup_last_archive_bytes{kind="falkordb"} ${statSync(join(root, 'backups', archive)).size}\n`);
    expect(hook.received).toHaveLength(0);
    const shown = await ops(['schedule', 'show', '--json']);
    expect(JSON.parse(shown.stdout).jobs).toEqual([expect.objectContaining({ id: 'falkordb', target: 'cron.d', lastRun: expect.objectContaining({ outcome: 'ok', exitCode: 0 }) }), expect.objectContaining({ id: 'drill', target: 'cron.d' })]);

    // FalkorDB's container goes away (a stopped one is still backed up, from its volume): the next
    // cron run fails with exit 10, and someone hears of it.
    await env.docker.getContainer(falkordb).remove({ force: true, v: true });
    const [message] = await hook.waitFor(1, 130_000);
    const body = JSON.parse(message!.body);
    expect(body).toMatchObject({ tool: 'autocodex-ops', command: 'backup falkordb', outcome: 'failed', exitCode: 10 });
    expect(message!.body).not.toContain(PASSWORD);
    expect(message!.body).not.toContain(TOKEN);
    const failed = await until('failure metrics', 30_000, () => (readFileSync(metrics, 'utf8').includes('autocodex_ops_last_run_exit_code{command="backup",kind="falkordb"} 10') ? readFileSync(metrics, 'utf8') : undefined));
    expect(failed).toContain('autocodex_ops_last_run_success{command="backup",kind="falkordb"} 0\n');
    const promtool = await execa('promtool', ['check', 'metrics'], { input: failed, reject: false });
    expect(promtool.exitCode, `${promtool.stdout}${promtool.stderr}`).toBe(0);
    const log = readFileSync(join(root, 'logs', 'autocodex-ops-cron.log'), 'utf8');
    expect(log).toMatch(/Error: /);
    expect(log).not.toContain(PASSWORD);

    const removed = await ops(['schedule', 'remove', '--target', 'cron.d', '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(existsSync(cronDFile)).toBe(false);
  }, 330_000);

  it("a user's crontab (nobody, through crontab(1)): --replace-old swaps the runbook line, foreign lines stay byte for byte, --restore-old brings it back", async () => {
    const home = mkdtempSync(join(tmpdir(), 'aco-int-crontab-'));
    chmodSync(home, 0o755);
    chownSync(home, 65534, 65534);
    const old = '0 2 * * * BACKUP_RETENTION_DAYS=14 /path/to/Auto-Codex/scripts/backup-falkordb.sh';
    const foreign = `MAILTO=""\n# nightly things, hand-written\n*/7 * * * *   /usr/bin/true  "50%"\n${old}\n\n15 3 * * 1 /bin/date >/dev/null\n`;
    const table = join(home, 'table');
    writeFileSync(table, foreign);
    await execa('crontab', ['-u', 'nobody', table]);
    const asNobody = (args: string[]) =>
      execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BUNDLE, ...args, '--root', home], { reject: false, env: { NO_COLOR: '1', HOME: home, USER: 'nobody' } });
    const readTable = async () => (await execa('crontab', ['-u', 'nobody', '-l'])).stdout + '\n';
    try {
      const install = await asNobody(['schedule', 'install', '--replace-old', '--json']);
      expect(install.exitCode, install.stderr).toBe(0);
      const result = JSON.parse(install.stdout);
      expect(result).toMatchObject({ target: 'crontab', replaced: [expect.objectContaining({ line: old })], jobs: [{ id: 'falkordb', schedule: '0 2 * * *' }, { id: 'drill', schedule: '0 4 1 * *' }] });
      expect(result.jobs[0].command).toMatch(/ -q --root .* backup falkordb --retention-days 14$/);
      expect(readFileSync(result.savedCopies[0], 'utf8')).toBe(foreign);
      const installed = await readTable();
      expect(installed.startsWith(foreign.replace(`${old}\n`, ''))).toBe(true);
      expect(installed).not.toContain('backup-falkordb.sh');
      const twice = await asNobody(['schedule', 'install', '--falkordb', '0 1 * * *']);
      expect(twice.exitCode, twice.stderr).toBe(0);
      expect((await readTable()).match(/backup falkordb/g)).toHaveLength(1);

      const removed = await asNobody(['schedule', 'remove']);
      expect(removed.exitCode, removed.stderr).toBe(0);
      expect(await readTable()).toBe(foreign.replace(`${old}\n`, ''));
      const restored = await asNobody(['schedule', 'remove', '--restore-old']);
      expect(restored.exitCode, restored.stderr).toBe(0);
      expect(await readTable()).toBe(foreign);
    } finally {
      await execa('crontab', ['-u', 'nobody', '-r'], { reject: false });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
