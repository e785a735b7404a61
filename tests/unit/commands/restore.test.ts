import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { restoreConsent, TYPED_WORD } from '../../../src/consent.js';
import { createContext } from '../../../src/context.js';
import type { RestorePlan } from '../../../src/core/restore/restore-result.js';
import type { Runtime } from '../../../src/runtime.js';
import { testRuntime } from '../../helpers/runtime.js';
import { makeArchive } from '../../helpers/archives.js';
import { runProgram } from '../../helpers/run-program.js';

async function setup() {
  const root = mkdtempSync(join(tmpdir(), 'aco-cli-restore-'));
  const userdata = join(root, 'home', '.config', 'Auto Codex');
  mkdirSync(userdata, { recursive: true });
  writeFileSync(join(userdata, 'settings.json'), 'current');
  const archive = await makeArchive(join(root, 'backups', 'userdata_20250101_000000.tar.gz'), { 'settings.json': 'restored' });
  return { root, userdata, archive };
}

const plan = (over: Partial<RestorePlan> = {}): RestorePlan => ({
  kind: 'userdata', archive: '/a.tar.gz', sha256: 'f'.repeat(64), checksum: 'verified', entries: 2, contentBytes: 8, target: '/t', stop: [], start: [], safetyBackup: '/b/userdata_pre_restore_20250101_000000.tar.gz', verify: 'x', steps: [], warnings: [], typedConfirmation: false, ...over,
});

describe('restore commands', () => {
  it('refuses without --yes when stdin is not a terminal: exit 2, nothing touched, no engine contacted', async () => {
    const { root, userdata, archive } = await setup();
    for (const args of [['restore', 'userdata', archive, '--userdata-dir', userdata], ['restore', 'falkordb', archive]]) {
      const run = await runProgram([...args, '--root', root], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/Refusing to restore without confirmation: stdin is not a terminal and --yes was not given; nothing was changed\.\nHint: Preview the plan with --dry-run/);
    }
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('current');
    expect(readdirSync(join(root, 'backups'))).toEqual(['userdata_20250101_000000.tar.gz', 'userdata_20250101_000000.tar.gz.sha256']);
  });

  it('restore userdata --dry-run --json prints the plan and changes nothing', async () => {
    const { root, userdata, archive } = await setup();
    const run = await runProgram(['restore', 'userdata', archive, '--userdata-dir', userdata, '--dry-run', '--json', '--root', root]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ kind: 'userdata', archive, dryRun: true, safetyBackup: expect.stringContaining('userdata_pre_restore_'), durationMs: expect.any(Number), plan: { target: userdata, checksum: 'verified' } });
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('current');
  });

  it('restore userdata --yes --json restores and prints the CONTRACT shape', async () => {
    const { root, userdata, archive } = await setup();
    const run = await runProgram(['restore', 'userdata', archive, '--userdata-dir', userdata, '--yes', '--json', '--root', root]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['kind', 'archive', 'safetyBackup', 'durationMs']));
    expect(result.safetyBackup).toMatch(/userdata_pre_restore_\d{8}_\d{6}\.tar\.gz$/);
    expect(readFileSync(join(userdata, 'settings.json'), 'utf8')).toBe('restored');
  });

  it('a missing archive is exit 2 with the original message; a bad --health-timeout is exit 2', async () => {
    const { root } = await setup();
    const missing = await runProgram(['restore', 'falkordb', join(root, 'nope.tar.gz'), '--yes', '--root', root], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Backup file not found: ${join(root, 'nope.tar.gz')}`);
    const bad = await runProgram(['restore', 'falkordb', 'x.tar.gz', '--health-timeout', 'soon', '--dry-run', '--root', root]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--health-timeout');
  });

  it('--help documents the checks, examples and exit status', async () => {
    const run = await runProgram(['restore', 'falkordb', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: autocodex-ops restore falkordb \[options\] \[archive\]/);
    for (const text of ['--dry-run', '--health-timeout <seconds>', '--start', '--force', 'Exit status:', 'typed confirmation']) expect(run.stdout).toContain(text);
  });
});

describe('restore consent', () => {
  const ctx = (rt: Runtime) => createContext({ logLevel: 'silent' }, createApp(rt, []), 'restore');

  it('on a TTY shows the plan and asks y/N, or the typed word when the archive has no checksum file', async () => {
    const rt = testRuntime({ answers: ['y', 'yes'] });
    const consent = restoreConsent({ yes: false, dryRun: false }, ctx(rt));
    expect(await consent(plan())).toBe(true);
    expect(await consent(plan({ typedConfirmation: true, checksum: 'missing' }))).toBe(false);
    expect(rt.asked).toEqual(['Go ahead? [y/N] ', `The archive has no .sha256 file, so its integrity is not confirmed. Type "${TYPED_WORD}" to go ahead: `]);
    expect(rt.err()).toContain('NO .sha256 FILE');
  });

  it('--yes and --dry-run never ask, also without a terminal', async () => {
    const rt = testRuntime();
    expect(await restoreConsent({ yes: true, dryRun: false }, ctx(rt))(plan({ typedConfirmation: true }))).toBe(true);
    expect(await restoreConsent({ yes: false, dryRun: true }, ctx(rt))(plan())).toBe(true);
    expect(rt.asked).toEqual([]);
  });
});
