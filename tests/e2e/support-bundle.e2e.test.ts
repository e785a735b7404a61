import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// support-bundle as a user runs it during an incident: the single binary (no node, no
// node_modules) and the bundle, on this machine's real engine.
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bundle = join(repo, 'dist', 'cli.cjs');
const binary = join(repo, 'dist', 'autocodex-ops');
let base: string;

beforeAll(async () => {
  if (!existsSync(bundle) || !existsSync(binary)) {
    const build = await execa(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo, reject: false, all: true });
    expect(build.exitCode, build.all).toBe(0);
  }
  base = await mkdtemp(join(tmpdir(), 'sb-e2e-'));
  await mkdir(join(base, 'root', 'auto-codex'), { recursive: true });
  await writeFile(join(base, 'root', 'auto-codex', '.env'), 'GRAPHITI_FALKORDB_PASSWORD=E2E-Secret-Pass-31\n');
  await mkdir(join(base, 'ud', 'logs'), { recursive: true });
  await writeFile(join(base, 'ud', 'logs', 'main.log'), '[2024] [log] auth with E2E-Secret-Pass-31\n');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const env = () => ({ NO_COLOR: '1', HOME: base, AUTO_CODEX_ROOT: join(base, 'root'), USERDATA_DIR: join(base, 'ud'), PATH: process.env.PATH ?? '' });

describe('support-bundle from the single binary', () => {
  it('writes a redacted bundle in the working folder that tar lists, and says where', async () => {
    const cwd = join(base, 'work');
    await mkdir(cwd);
    const r = await execa(binary, ['support-bundle', '--tail', '20'], { cwd, env: env(), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const [name] = await readdir(cwd);
    expect(name).toMatch(/^autocodex-support_\d{8}_\d{6}\.tar\.gz$/);
    expect(r.stdout).toContain(`Wrote ${join(cwd, name!)}`);
    expect((await stat(join(cwd, name!))).mode & 0o777).toBe(0o600);
    const listing = (await execa('tar', ['-tzf', join(cwd, name!)])).stdout.split('\n');
    const top = name!.replace(/\.tar\.gz$/, '');
    expect(listing).toEqual(expect.arrayContaining([`${top}/index.md`, `${top}/versions.txt`, `${top}/healthcheck.json`, `${top}/app/logs/main.log`]));
    const all = (await execa('sh', ['-c', `gzip -dc '${join(cwd, name!)}'`], { encoding: 'buffer' })).stdout as Uint8Array;
    expect(Buffer.from(all).includes(Buffer.from('E2E-Secret-Pass-31'))).toBe(false);
    expect(r.stdout + r.stderr).not.toContain('E2E-Secret-Pass-31');
  });
});

describe('support-bundle interrupted', () => {
  it('SIGINT while a large log is copied: exit 130, neither bundle nor staging folder left', async () => {
    const ud = join(base, 'ud-big');
    await mkdir(join(ud, 'logs'), { recursive: true });
    const fh = await open(join(ud, 'logs', 'main.log'), 'w');
    const block = Buffer.from('[2024] [log] a long line of an old log, written again and again to make it big\n'.repeat(12_000));
    for (let n = 0; n < 100; n += 1) await fh.write(block);
    await fh.close();
    const out = join(base, 'int-out');
    await mkdir(out);
    const child = execa(process.execPath, [bundle, 'support-bundle', '--output', out], { cwd: base, env: { ...env(), USERDATA_DIR: ud }, extendEnv: false, reject: false });
    // Wait for the staging folder: collection is over and the copy has begun.
    for (let i = 0; i < 300 && !(await readdir(out)).some((n) => n.includes('.staging-')); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect((await readdir(out)).some((n) => n.includes('.staging-'))).toBe(true);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(await readdir(out)).toEqual([]);
  });
});

describe('support-bundle from the bundle', () => {
  it('--dry-run --json lists the parts with sizes and writes nothing', async () => {
    const cwd = join(base, 'dry');
    await mkdir(cwd);
    const r = await execa(process.execPath, [bundle, 'support-bundle', '--dry-run', '--json'], { cwd, env: env(), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { bundle: string; dryRun: boolean; parts: Array<{ name: string; bytes: number }> };
    expect(doc.dryRun).toBe(true);
    expect(doc.parts).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'app/logs/main.log', bytes: 42 })]));
    expect(await readdir(cwd)).toEqual([]);
  });
});

// A second uid for real: run as `nobody`, a log only root may read is recorded as unreadable, and the bundle is still written.
describe.skipIf(process.getuid?.() !== 0)('support-bundle as another user (nobody)', () => {
  it('records a log it may not read as unreadable and writes the rest', async () => {
    const top = await mkdtemp(join(tmpdir(), 'sb-nobody-'));
    try {
      await chmod(top, 0o755);
      const ud = join(top, 'ud');
      await mkdir(join(ud, 'logs'), { recursive: true, mode: 0o755 });
      await writeFile(join(ud, 'logs', 'main.log'), 'root only\n', { mode: 0o600 });
      await writeFile(join(ud, 'logs', 'main-2024-01-01T00-00-00-000Z.log'), 'readable\n', { mode: 0o644 });
      await mkdir(join(top, 'root'), { mode: 0o755 });
      const out = join(top, 'out');
      await mkdir(out);
      await chmod(out, 0o777);
      const r = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', binary, 'support-bundle', '--output', out, '--json'], {
        cwd: top,
        env: { NO_COLOR: '1', HOME: top, AUTO_CODEX_ROOT: join(top, 'root'), USERDATA_DIR: ud, AUTOCODEX_OPS_AUDIT_LOG: join(out, 'audit.jsonl'), PATH: process.env.PATH ?? '' },
        extendEnv: false,
        reject: false,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { bundle: string; parts: Array<{ name: string; skipped?: string }> };
      expect(doc.parts.find((p) => p.name === 'app/logs/main.log')?.skipped).toMatch(/^unreadable: .*EACCES/);
      expect(doc.parts.find((p) => p.name === 'app/logs/main-2024-01-01T00-00-00-000Z.log')?.skipped).toBeUndefined();
      expect((await stat(doc.bundle)).uid).toBe(65534);
    } finally {
      await rm(top, { recursive: true, force: true });
    }
  });
});
