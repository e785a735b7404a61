import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxCheck } from '../../../../src/core/health/checks/codex.js';
import { lockfilesCheck } from '../../../../src/core/health/checks/repository.js';
import { insecureTokenStorageCheck, riskPolicyCheck, unsignedUpdatesCheck } from '../../../../src/core/health/checks/security.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

describe('sandbox (original rules)', () => {
  it.each([
    [{}, {}, 'ok'],
    [{ AUTO_CODEX_BYPASS_CODEX_SANDBOX: '0' }, {}, 'ok'],
    [{ AUTO_CODEX_BYPASS_CODEX_SANDBOX: 'false' }, {}, 'warn'],
    [{ AUTO_CODEX_BYPASS_CODEX_SANDBOX: '1' }, {}, 'warn'],
    [{ AUTO_CODEX_BYPASS_CODEX_SANDBOX: '1', AUTO_CODEX_ENFORCE_SANDBOX: 'true' }, {}, 'fail'],
    [{ AUTO_CODEX_PRODUCTION: 'true' }, { 'auto-codex/.env': 'AUTO_CODEX_BYPASS_CODEX_SANDBOX=1' }, 'fail'],
    [{ AUTO_CODEX_PRODUCTION: 'true', AUTO_CODEX_BYPASS_CODEX_SANDBOX: '0' }, {}, 'ok'],
  ])('%j %j → %s', async (env, files, status) => {
    expect((await sandboxCheck.run(fakeHealthContext({ env, files }))).status).toBe(status);
  });
});

describe('UI security flags', () => {
  it.each([
    [unsignedUpdatesCheck, {}, {}, 'ok'],
    [unsignedUpdatesCheck, { AUTO_CODEX_ALLOW_UNSIGNED_UPDATES: 'true' }, {}, 'warn'],
    [unsignedUpdatesCheck, { AUTO_CODEX_PRODUCTION: '1' }, { 'auto-codex-ui/.env': 'AUTO_CODEX_ALLOW_UNSIGNED_UPDATES=yes' }, 'fail'],
    [insecureTokenStorageCheck, {}, { '.env': 'AUTO_CODEX_ALLOW_INSECURE_TOKEN_STORAGE=on' }, 'warn'],
    [insecureTokenStorageCheck, { AUTO_CODEX_PRODUCTION: 'true', AUTO_CODEX_ALLOW_INSECURE_TOKEN_STORAGE: 'TRUE' }, {}, 'fail'],
  ])('%# → %s', async (check, env, files, status) => {
    expect((await check.run(fakeHealthContext({ env, files }))).status).toBe(status);
  });
});

describe('risk-policy', () => {
  const userdata = (settings?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-ud-'));
    if (settings !== undefined) writeFileSync(join(dir, 'settings.json'), settings);
    return dir;
  };
  it.each([
    [undefined, {}, 'ok', /conservative \(default/],
    ['{}', {}, 'ok', /conservative/],
    ['{"riskPolicy":"standard"}', {}, 'ok', /standard/],
    ['{"riskPolicy":"permissive"}', {}, 'ok', /permissive/],
    ['{"riskPolicy":"permissive"}', { AUTO_CODEX_PRODUCTION: 'true' }, 'warn', /permissive/],
    ['{"riskPolicy":"yolo"}', {}, 'fail', /"yolo" is not valid/],
    ['{not json', {}, 'fail', /not valid JSON/],
  ])('%s %j → %s', async (settings, env, status, message) => {
    const ctx = fakeHealthContext({ env: { ...env, USERDATA_DIR: userdata(settings) } });
    expect(await riskPolicyCheck.run(ctx)).toMatchObject({ status, message: expect.stringMatching(message) });
  });
});

describe('lockfiles', () => {
  const root = mkdtempSync(join(tmpdir(), 'aco-locks-'));
  mkdirSync(join(root, 'auto-codex'));
  writeFileSync(join(root, 'auto-codex', 'requirements-py312.lock'), '');
  it('warns about the missing ones, fails in production', async () => {
    const result = await lockfilesCheck.run(fakeHealthContext({ root }));
    expect(result.status).toBe('warn');
    expect(result.message).toBe('auto-codex/requirements-py313.lock, tests/requirements-test-py312.lock, tests/requirements-test-py313.lock, auto-codex-ui/pnpm-lock.yaml missing');
    expect((await lockfilesCheck.run(fakeHealthContext({ root, env: { AUTO_CODEX_PRODUCTION: 'true' } }))).status).toBe('fail');
  });
});
