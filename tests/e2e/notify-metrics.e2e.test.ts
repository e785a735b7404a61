import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHungServer, type HungServer } from '../helpers/hung-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// Notification and metrics on the one CLI run path of the built bundle (issue 25): a real local
// HTTP receiver, a server that never answers, and Debian's promtool judging the metrics file.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BUNDLE = join(REPO, 'dist', 'cli.cjs');
const TOKEN = 'hooktoken-5f2a9c';
const PASSWORD = 'e2e-notify-pw-81b4';

describe('notification and metrics after a run', () => {
  const root = mkdtempSync(join(tmpdir(), 'aco-e2e-notify-'));
  const userdata = join(root, 'Auto Codex');
  const metrics = join(root, 'textfile', 'autocodex_ops.prom');
  let hook: WebhookReceiver;
  let hung: HungServer;

  const run = (args: string[], env: Record<string, string>) =>
    execa(process.execPath, [BUNDLE, ...args, '--root', root], {
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', USERDATA_DIR: userdata, AUTOCODEX_OPS_METRICS_FILE: metrics, GRAPHITI_FALKORDB_PASSWORD: PASSWORD, ...env },
    });

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) await execa('npm', ['run', 'build'], { cwd: REPO });
    mkdirSync(join(root, 'textfile'));
    hook = await startWebhookReceiver();
    hung = await startHungServer();
  });
  afterAll(async () => {
    await hook.stop();
    await hung.stop();
  });

  it('a failed backup POSTs one redacted message and writes failure metrics; a success does not notify by default', async () => {
    const url = hook.url(`/services/T0/B0?token=${TOKEN}`);
    const failed = await run(['backup', 'userdata'], { AUTOCODEX_OPS_NOTIFY_URL: url });
    expect(failed.exitCode).toBe(10);
    const [msg] = await hook.waitFor(1, 5000);
    expect(msg!.method).toBe('POST');
    expect(msg!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(msg!.body);
    expect(body).toMatchObject({ tool: 'autocodex-ops', command: 'backup userdata', outcome: 'failed', exitCode: 10, time: expect.any(String), host: expect.any(String), details: expect.any(Object) });
    expect(body.summary).toMatch(/^backup userdata failed \(exit 10\) after \d+\.\d s: /);
    expect(body.text).toContain(body.summary);
    expect(msg!.body).not.toContain(TOKEN);
    expect(msg!.body).not.toContain(PASSWORD);
    expect(failed.stderr).not.toContain(TOKEN);
    let text = readFileSync(metrics, 'utf8');
    expect(text).toContain('autocodex_ops_last_run_success{command="backup",kind="userdata"} 0\n');
    expect(text).toContain('autocodex_ops_last_run_exit_code{command="backup",kind="userdata"} 10\n');
    expect(text).not.toContain('autocodex_ops_last_success_timestamp_seconds');

    mkdirSync(userdata, { recursive: true });
    writeFileSync(join(userdata, 'settings.json'), '{}');
    const ok = await run(['backup', 'userdata', '--json'], { AUTOCODEX_OPS_NOTIFY_URL: url });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(1);
    text = readFileSync(metrics, 'utf8');
    expect(text).toContain('autocodex_ops_last_run_success{command="backup",kind="userdata"} 1\n');
    expect(text).toContain(`autocodex_ops_backup_last_archive_bytes{kind="userdata"} ${result.bytes}\n`);
    expect(text).toMatch(/autocodex_ops_backup_newest_timestamp_seconds\{kind="userdata"\} \d+\n/);

    // AUTOCODEX_OPS_NOTIFY_ON=always: a success is announced too.
    const always = await run(['backup', 'userdata'], { AUTOCODEX_OPS_NOTIFY_URL: url, AUTOCODEX_OPS_NOTIFY_ON: 'always' });
    expect(always.exitCode).toBe(0);
    const [, second] = await hook.waitFor(2, 5000);
    expect(JSON.parse(second!.body)).toMatchObject({ outcome: 'ok', exitCode: 0, details: { archive: expect.stringContaining('userdata_') } });

    // A healthcheck (any profile) adds its counts; promtool accepts the merged file.
    await run(['healthcheck', '--only', 'node,git'], {});
    text = readFileSync(metrics, 'utf8');
    expect(text).toMatch(/autocodex_ops_healthcheck_checks\{profile="default",status="ok"\} \d/);
    expect(text).toContain('kind="userdata"');
    const promtool = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
    expect(promtool.exitCode, `${promtool.stdout}${promtool.stderr}`).toBe(0);
    expect(`${promtool.stdout}${promtool.stderr}`.trim()).toBe('');
  });

  it("an invalid configuration (exit 2) still notifies, from the root's .env", async () => {
    const bad = mkdtempSync(join(tmpdir(), 'aco-e2e-notify-bad-'));
    writeFileSync(join(bad, '.env'), `FALKORDB_BACKUP_MODE=bogus\nAUTOCODEX_OPS_NOTIFY_URL=${hook.url(`/bad?token=${TOKEN}`)}\n`);
    const before = hook.received.length;
    const res = await execa(process.execPath, [BUNDLE, 'backup', 'userdata', '--root', bad], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' } });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/FALKORDB_BACKUP_MODE/);
    const all = await hook.waitFor(before + 1, 5000);
    expect(all.at(-1)!.url).toBe(`/bad?token=${TOKEN}`);
    expect(JSON.parse(all.at(-1)!.body)).toMatchObject({ command: 'backup userdata', outcome: 'failed', exitCode: 2, summary: expect.stringMatching(/Invalid configuration/) });
    expect(all.at(-1)!.body).not.toContain(TOKEN);
  });

  it('a failing healthcheck notifies in the production profile only', async () => {
    const url = hook.url('/hc');
    const before = hook.received.length;
    const plain = await run(['healthcheck', '--only', 'lockfiles', '--strict'], { AUTOCODEX_OPS_NOTIFY_URL: url });
    expect(plain.exitCode).toBe(1);
    const production = await run(['healthcheck', '--profile', 'production', '--only', 'lockfiles'], { AUTOCODEX_OPS_NOTIFY_URL: url });
    expect(production.exitCode).toBe(1);
    const all = await hook.waitFor(before + 1, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(before + 1);
    expect(JSON.parse(all.at(-1)!.body)).toMatchObject({ command: 'healthcheck', outcome: 'failed', exitCode: 1, details: { profile: 'production', failedChecks: ['lockfiles'] } });
    expect(readFileSync(metrics, 'utf8')).toContain('autocodex_ops_healthcheck_checks{profile="production",status="fail"} 1\n');
  });

  it('a webhook that never answers does not change the exit code, is bounded in time and reported without its secret', async () => {
    const started = Date.now();
    const res = await run(['backup', 'userdata'], { AUTOCODEX_OPS_NOTIFY_URL: `http://127.0.0.1:${hung.port}/hook?token=${TOKEN}`, AUTOCODEX_OPS_NOTIFY_ON: 'always', USERDATA_DIR: join(root, 'missing') });
    const elapsed = Date.now() - started;
    expect(res.exitCode).toBe(10);
    expect(elapsed).toBeLessThan(15_000);
    expect(hung.connections()).toBe(3);
    expect(res.stderr).toMatch(/\[notify\] Warning: Could not notify 1 of 1 webhook\(s\): http:\/\/127\.0\.0\.1:\d+\/\*\*\*\?token=\*\*\* \(no answer within 2500 ms, 3 attempt\(s\)\)/);
    expect(res.stderr).not.toContain(TOKEN);
    // The failed delivery is in the run's audit record, masked.
    const records = readFileSync(join(root, 'logs', 'autocodex-ops-audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.at(-1)).toMatchObject({ command: 'backup userdata', exitCode: 10, details: { notification: [{ url: expect.stringMatching(/\/\*\*\*\?token=\*\*\*$/), ok: false, attempts: 3 }] } });
    expect(JSON.stringify(records)).not.toContain(TOKEN);
    // An unreachable port: refused at once, same exit code.
    const refused = await run(['backup', 'userdata'], { AUTOCODEX_OPS_NOTIFY_URL: 'http://127.0.0.1:9/x', USERDATA_DIR: join(root, 'missing') });
    expect(refused.exitCode).toBe(10);
    expect(refused.stderr).toMatch(/Could not notify .*ECONNREFUSED/);
  });
});
