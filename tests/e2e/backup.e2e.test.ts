import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

// `backup userdata`, `list`, `verify` and `prune` on the single binary: no Docker needed, so this
// runs everywhere; the FalkorDB paths are covered on the real engine in tests/integration.
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BINARY = join(REPO, 'dist', 'autocodex-ops');

describe('backup on the single binary', () => {
  const root = mkdtempSync(join(tmpdir(), 'aco-e2e-bk-'));
  const userdata = join(root, 'Auto Codex');
  const run = (args: string[], env: Record<string, string> = {}) =>
    execa(BINARY, [...args, '--root', root], { reject: false, env: { NO_COLOR: '1', USERDATA_DIR: userdata, ...env }, extendEnv: false });

  beforeAll(async () => {
    if (!existsSync(BINARY)) await execa('npm', ['run', 'build'], { cwd: REPO });
    mkdirSync(join(userdata, 'Partitions'), { recursive: true });
    writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"standard"}');
    writeFileSync(join(userdata, 'Partitions', 'state.bin'), Buffer.alloc(50_000, 9));
  });

  it('backs up userData, lists it, verifies it, and a dry-run prune keeps it', async () => {
    const backup = await run(['backup', 'userdata', '--json']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const result = JSON.parse(backup.stdout);
    expect(result).toMatchObject({ kind: 'userdata', archive: expect.stringContaining(join(root, 'backups', 'userdata_')), pruned: [] });
    const tar = await execa('tar', ['-tzf', result.archive]);
    expect(tar.stdout).toContain('./Partitions/state.bin');

    const list = await run(['backup', 'list', '--json']);
    expect(JSON.parse(list.stdout).backups).toEqual([expect.objectContaining({ archive: result.archive, sha256: result.sha256, verified: true })]);

    const verify = await run(['backup', 'verify', '--latest', '--kind', 'userdata', '--json']);
    expect(verify.exitCode).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ archive: result.archive, ok: true, problems: [] });

    const prune = await run(['backup', 'prune', '--keep-last', '1', '--dry-run']);
    expect(prune.exitCode).toBe(0);
    expect(prune.stdout).toContain('(newest backup (always kept))');
    expect(readdirSync(join(root, 'backups'))).toHaveLength(3);
  });

  it('exit 10 for a missing userData folder, exit 2 for a corrupt archive', async () => {
    const missing = await run(['backup', 'userdata'], { USERDATA_DIR: join(root, 'nope') });
    expect(missing.exitCode).toBe(10);
    expect(missing.stdout).toBe('');
    const bad = join(root, 'userdata_20200101_000000.tar.gz');
    writeFileSync(bad, 'not gzip');
    const verify = await run(['backup', 'verify', bad, '--json']);
    expect(verify.exitCode).toBe(2);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: false, problems: [expect.stringMatching(/does not read completely/)] });
  });
});
