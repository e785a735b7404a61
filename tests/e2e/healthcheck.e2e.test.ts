import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/core/health/checks/index.js';

const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');
const BINARY = join(REPO, 'dist/autocodex-ops');
const SECRET_KEY = 'sk-e2eSecretValue1234567';
const SECRET_PW = 'E2e-Falkor-Pass-99';

// Both artefacts a user runs: the bundle through node, and the single executable.
const runners = [
  ['bundle', (args: string[], env: Record<string, string>, cwd: string) => execa('node', [BUNDLE, ...args], { env, cwd, reject: false, extendEnv: false })],
  ['binary', (args: string[], env: Record<string, string>, cwd: string) => execa(BINARY, args, { env, cwd, reject: false, extendEnv: false })],
] as const;

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aco-e2e-root-'));
  mkdirSync(join(dir, 'auto-codex'));
  writeFileSync(join(dir, 'auto-codex', '.env'), `OPENAI_API_KEY=${SECRET_KEY}\nGRAPHITI_FALKORDB_PASSWORD=${SECRET_PW}\n`);
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'aco-e2e-home-')), NO_COLOR: '1' });

describe.each(runners)('healthcheck through the %s', (_name, run) => {
  beforeAll(() => {
    if (!existsSync(BUNDLE) || !existsSync(BINARY)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  it('prints exactly the contract JSON on stdout, nothing else, and an exit code matching the verdict', async () => {
    const dir = root();
    const res = await run(['healthcheck', '--json'], baseEnv(), dir);
    const doc = JSON.parse(res.stdout);
    expect(Object.keys(doc).sort()).toEqual(['checks', 'profile', 'status', 'summary']);
    // Every registered check reports, in registry order (the bundle and the sources agree).
    expect(doc.checks.map((c: { id: string }) => c.id)).toEqual(ALL_CHECKS.map((c) => c.id));
    for (const c of doc.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'group', 'status', 'message', 'durationMs']));
    // A bare root always has warnings and failures (no Codex CLI, no image tags); each says what to do.
    const flagged = doc.checks.filter((c: { status: string }) => c.status === 'warn' || c.status === 'fail');
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.filter((c: { hint?: string }) => !c.hint).map((c: { id: string }) => c.id)).toEqual([]);
    expect(res.exitCode).toBe(doc.status === 'fail' ? 1 : 0);
    expect(`${res.stdout}${res.stderr}`).not.toContain(SECRET_KEY);
    expect(`${res.stdout}${res.stderr}`).not.toContain(SECRET_PW);
    expect(doc.checks.find((c: { id: string }) => c.id === 'codex-auth')).toMatchObject({ status: 'ok', message: 'Codex auth source: OPENAI_API_KEY (auto-codex/.env)' });
  });

  it('exits 0 on warnings in the default profile and 1 when production escalates them', async () => {
    const dir = root();
    const env = { ...baseEnv(), AUTO_CODEX_ALLOW_UNSIGNED_UPDATES: 'true' };
    const lax = await run(['healthcheck', '--only', 'unsigned-updates,sandbox'], env, dir);
    expect(lax.exitCode).toBe(0);
    expect(lax.stdout).toContain('[warn] unsigned-updates');
    expect(lax.stdout).toMatch(/\[summary\] WARN \(1 ok, 1 warn, 0 fail, 0 skip\)/);
    const prod = await run(['healthcheck', '--profile', 'production', '--only', 'unsigned-updates', '--json'], env, dir);
    expect(prod.exitCode).toBe(1);
    expect(JSON.parse(prod.stdout)).toMatchObject({ status: 'fail', profile: 'production', summary: { fail: 1 } });
    const envProd = await run(['healthcheck', '--only', 'unsigned-updates', '--json'], { ...env, AUTO_CODEX_PRODUCTION: 'true' }, dir);
    expect(envProd.exitCode).toBe(1);
    const strict = await run(['healthcheck', '--strict', '--only', 'unsigned-updates'], env, dir);
    expect(strict.exitCode).toBe(1);
  });

  it('rejects an unknown check id with exit 2 and a JSON error on stderr', async () => {
    const res = await run(['healthcheck', '--only', 'pyhton', '--json'], baseEnv(), root());
    expect(res.exitCode).toBe(2);
    expect(res.stdout).toBe('');
    expect(JSON.parse(res.stderr)).toMatchObject({ error: { code: 2, message: 'unknown check id: pyhton', hint: expect.stringContaining('python') } });
  });

  it('lists the checks', async () => {
    const res = await run(['healthcheck', '--list-checks', '--json'], baseEnv(), root());
    expect(res.exitCode).toBe(0);
    expect(JSON.parse(res.stdout).checks.map((c: { id: string }) => c.id)).toContain('falkordb-data-mount');
  });
});
