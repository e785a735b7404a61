import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');
const BINARY = join(REPO, 'dist/autocodex-ops');
const TOKEN = 'ghp_e2eTokenValue123456';
const SECRET_PW = 'E2e-Audit-Pass-77';

const runners = [
  ['bundle', (args: string[], env: Record<string, string>, cwd: string) => execa('node', [BUNDLE, ...args], { env, cwd, reject: false, extendEnv: false })],
  ['binary', (args: string[], env: Record<string, string>, cwd: string) => execa(BINARY, args, { env, cwd, reject: false, extendEnv: false })],
] as const;

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aco-e2e-audit-'));
  mkdirSync(join(dir, 'auto-codex'));
  writeFileSync(join(dir, 'auto-codex', '.env'), `GRAPHITI_FALKORDB_PASSWORD=${SECRET_PW}\n`);
  mkdirSync(join(dir, 'userdata'));
  writeFileSync(join(dir, 'userdata', 'settings.json'), '{"riskPolicy":"standard"}');
  return dir;
}
const baseEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'aco-e2e-home-')), NO_COLOR: '1', ...extra });
const records = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe.each(runners)('audit trail through the %s', (_name, run) => {
  beforeAll(() => {
    if (!existsSync(BUNDLE) || !existsSync(BINARY)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  it('records backups (ok and failed, redacted), shows them, verifies, and detects an edit', async () => {
    const dir = root();
    const trail = join(dir, 'logs', 'autocodex-ops-audit.jsonl');
    const ok = await run(['backup', 'userdata', '--userdata-dir', join(dir, 'userdata')], baseEnv(), dir);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const bad = await run(['backup', 'userdata', '--userdata-dir', join(dir, `missing-${TOKEN}`)], baseEnv(), dir);
    expect(bad.exitCode).not.toBe(0);

    expect(statSync(trail).mode & 0o777).toBe(0o600);
    const text = readFileSync(trail, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET_PW);
    const [first, second] = records(trail);
    expect(first).toMatchObject({ seq: 1, command: 'backup userdata', outcome: 'ok', exitCode: 0, root: dir, pid: expect.any(Number) });
    expect(second).toMatchObject({ seq: 2, outcome: 'failed', exitCode: bad.exitCode, prev: first.hash });

    const show = await run(['audit', 'show'], baseEnv(), dir);
    expect(show.exitCode).toBe(0);
    expect(show.stdout.trim().split('\n')).toHaveLength(3);
    expect(show.stdout).toMatch(/backup userdata\s+failed \(\d+\)/);
    const json = await run(['audit', 'show', '--json', '--outcome', 'ok'], baseEnv(), dir);
    expect(JSON.parse(json.stdout).records).toMatchObject([{ seq: 1 }]);

    const verify = await run(['audit', 'verify'], baseEnv(), dir);
    expect(verify).toMatchObject({ exitCode: 0 });
    expect(verify.stdout).toContain('intact, 2 record(s)');

    writeFileSync(trail, text.replace('"outcome":"failed"', '"outcome":"ok"'));
    const broken = await run(['audit', 'verify', '--json'], baseEnv(), dir);
    expect(broken.exitCode).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, problems: [{ file: trail, line: 2, seq: 2, message: expect.stringContaining('modified') }] });
  });

  it('records a production healthcheck with its failed checks, and not a default one', async () => {
    const dir = root();
    const trail = join(dir, 'logs', 'autocodex-ops-audit.jsonl');
    const env = baseEnv({ AUTO_CODEX_ALLOW_UNSIGNED_UPDATES: 'true' });
    expect((await run(['healthcheck', '--only', 'unsigned-updates'], env, dir)).exitCode).toBe(0);
    expect(existsSync(trail)).toBe(false);
    expect((await run(['healthcheck', '--profile', 'production', '--only', 'unsigned-updates'], env, dir)).exitCode).toBe(1);
    expect(records(trail)).toMatchObject([{ command: 'healthcheck', outcome: 'failed', details: { status: 'fail', failedChecks: ['unsigned-updates'] } }]);
  });

  it('rotates by AUTO_CODEX_AUDIT_LOG_MAX_BYTES, keeps foreign files, and the chain verifies across files', async () => {
    const dir = root();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'autocodex-ops-audit.jsonl.bak'), 'mine\n');
    const env = baseEnv({ AUTO_CODEX_AUDIT_LOG_MAX_BYTES: '900', AUTO_CODEX_AUDIT_LOG_BACKUPS: '2', AUTO_CODEX_PRODUCTION: 'true' });
    for (let i = 0; i < 5; i++) await run(['healthcheck', '--only', 'node'], env, dir);
    const names = readdirSync(logs).sort();
    expect(names).toContain('autocodex-ops-audit.jsonl.bak');
    expect(names.filter((n) => /\.\d{8}-\d{6}(-\d+)?$/.test(n))).toHaveLength(2);
    const verify = await run(['audit', 'verify', '--json'], env, dir);
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, head: { seq: 5 } });
  });

  it('reports a failure to write the record; exit 1 only in production, the outcome never hidden', async () => {
    const dir = root();
    const blocked = join(dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    const env = baseEnv({ AUTOCODEX_OPS_AUDIT_LOG: join(blocked, 'audit.jsonl') });
    const lax = await run(['backup', 'userdata', '--userdata-dir', join(dir, 'userdata')], env, dir);
    expect(lax.exitCode).toBe(0);
    expect(lax.stderr).toContain('[audit] Error: Could not write the audit record of "backup userdata"');
    const prod = await run(['backup', 'userdata', '--userdata-dir', join(dir, 'userdata'), '--json'], { ...env, AUTO_CODEX_PRODUCTION: 'true' }, dir);
    expect(prod.exitCode).toBe(1);
    expect(JSON.parse(prod.stdout)).toMatchObject({ kind: 'userdata' });
    const failing = await run(['backup', 'userdata', '--userdata-dir', join(dir, 'nope')], { ...env, AUTO_CODEX_PRODUCTION: 'true' }, dir);
    expect(failing.exitCode).toBe(10);
  });
});
