import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageKeygen, ageTool } from '../helpers/age-tool.js';

// Issue 21 on the single binary: an encrypted userData backup opens with Debian's `age`, and the
// binary restores an archive `age -r` made; no secret key text in anything it prints.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BINARY = join(REPO, 'dist', 'autocodex-ops');

describe('encrypted backups on the single binary', () => {
  const root = mkdtempSync(join(tmpdir(), 'aco-e2e-age-'));
  const userdata = join(root, 'Auto Codex');
  const keys = join(root, 'keys');
  const run = (args: string[], env: Record<string, string> = {}) =>
    execa(BINARY, [...args, '--root', root], { reject: false, env: { NO_COLOR: '1', USERDATA_DIR: userdata, ...env }, extendEnv: false });

  beforeAll(async () => {
    if (!existsSync(BINARY)) await execa('npm', ['run', 'build'], { cwd: REPO });
    mkdirSync(userdata, { recursive: true });
    mkdirSync(keys, { mode: 0o700 });
    writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"conservative"}');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('backs up to a recipient, age -d opens it; restores age -r output with the identity', async () => {
    const key = ageKeygen(keys);
    const backup = await run(['backup', 'userdata', '--json'], { AUTOCODEX_OPS_AGE_RECIPIENTS: key.recipient });
    expect(backup.exitCode, backup.stderr).toBe(0);
    const { archive, encrypted } = JSON.parse(backup.stdout);
    expect(encrypted).toBe(true);
    const plain = ageTool(['-d', '-i', key.file], readFileSync(archive));
    expect(execFileSync('tar', ['-xzO', './settings.json'], { input: plain.stdout, encoding: 'utf8' })).toBe('{"riskPolicy":"conservative"}');

    writeFileSync(join(userdata, 'settings.json'), 'changed');
    const byAge = join(root, 'userdata_20250101_000000.tar.gz.age');
    writeFileSync(byAge, ageTool(['-e', '-r', key.recipient], plain.stdout).stdout);
    const restore = await run(['restore', 'userdata', byAge, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: key.file });
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('{"riskPolicy":"conservative"}');
    const none = await run(['restore', 'userdata', byAge, '--yes']);
    expect(none.exitCode).toBe(10);
    for (const r of [backup, restore, none]) expect(`${r.stdout}${r.stderr}`).not.toContain(key.secret);
  });
});
