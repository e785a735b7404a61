import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeArchive } from '../helpers/archives.js';

const REPO = new URL('../..', import.meta.url).pathname;
const BUNDLE = join(REPO, 'dist/cli.cjs');

// The rough edges a new user met (issue 15 §7), through the bundle a user runs.
const run = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  execa('node', [BUNDLE, ...args], { cwd, reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'aco-e2e-home-')), NO_COLOR: '1', ...env } });

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aco-e2e-ux-'));
  mkdirSync(join(dir, 'auto-codex'));
  return dir;
}

describe('new-user rough edges (bundle)', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  it('audit --help ends with the exit-status table', async () => {
    const help = await run(['audit', '--help'], root());
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Exit status:\n\s+0 {2}success[\s\S]*130 {2}interrupted/);
    expect(help.stdout).toContain("AUTO_CODEX_AUDIT_LOG is the app's own command log");
  });

  it("audit verify --file on the app's legacy log: not a chained trail (exit 2), not BROKEN", async () => {
    const dir = root();
    const legacy = join(dir, 'app-audit.log');
    writeFileSync(legacy, '2026-11-30T10:00:00.123456|ALLOWED|bash|ok|ls -la\n2026-11-30T10:00:01.5|BLOCKED|bash|rm|rm -rf /\n');
    const r = await run(['audit', 'verify', '--file', 'app-audit.log'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${legacy} is the app's own command log (timestamp|ALLOWED/BLOCKED|… lines): not a chained trail; nothing to verify.`);
    expect(r.stdout + r.stderr).not.toMatch(/BROKEN/);
  });

  it('healthcheck --only python --skip python: exit 2, "no check selected"', async () => {
    const r = await run(['healthcheck', '--only', 'python', '--skip', 'python'], root());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no check selected');
  });

  it('--timeout abc names the option and what it expects', async () => {
    const r = await run(['healthcheck', '--timeout', 'abc'], root());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--timeout: not a number; expected milliseconds, a whole number from 1 to 600000 (e.g. 5000)');
  });

  it('backup list has a header and says "no sidecar" for an archive without a checksum file; verify --json prints the absolute path', async () => {
    const dir = root();
    await makeArchive(join(dir, 'backups', 'falkordb_data_20261120_020000.tar.gz'), { 'dump.rdb': 'REDIS0011' }, { sidecar: false });
    const list = await run(['backup', 'list', '--check'], dir);
    expect(list.exitCode).toBe(0);
    const [header, row] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^CREATED \(UTC\)\s+AGE\s+SIZE\s+KIND\s+STATE\s+LAST DRILL\s+ARCHIVE$/);
    expect(row).toMatch(/falkordb\s+no sidecar\s+never\s+falkordb_data_20261120_020000\.tar\.gz$/);
    const json = JSON.parse((await run(['--json', 'backup', 'list', '--check'], dir)).stdout);
    expect(json.backups[0]).toMatchObject({ sidecar: 'missing' });
    expect(json.backups[0].verified).toBeUndefined();

    const verify = await run(['--json', 'backup', 'verify', 'backups/falkordb_data_20261120_020000.tar.gz'], dir);
    expect(JSON.parse(verify.stdout).archive).toBe(join(dir, 'backups', 'falkordb_data_20261120_020000.tar.gz'));
  });

  it('a relative --output-dir is taken against the working directory, and config shows it resolved', async () => {
    const dir = root();
    const sub = join(dir, 'auto-codex');
    const cfg = JSON.parse((await run(['--json', 'config', '--output-dir', 'out', '--root', dir], sub)).stdout);
    expect(cfg.values.find((v: { name: string }) => v.name === 'BACKUP_DIR')).toMatchObject({ value: join(sub, 'out'), origin: 'flag --output-dir' });
  });
});
