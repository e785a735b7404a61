import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The three ways CONTRACT.md "Invocation" runs the tool: the bundle (node dist/cli.cjs),
// the single binary (dist/autocodex-ops) and the package.json bin entry.
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bundle = join(root, 'dist', 'cli.cjs');
const binary = join(root, 'dist', 'autocodex-ops');
const binEntry = join(root, 'bin', 'autocodex-ops.cjs');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

// stripFinalNewline: false, so that "prints exactly the version and a newline" is checked.
const run = { reject: false, stripFinalNewline: false, env: { NO_COLOR: '1' } } as const;

beforeAll(async () => {
  // `npm test` builds first; a lone `vitest run --project e2e` on a fresh clone builds here.
  if (existsSync(bundle) && existsSync(binary)) return;
  const build = await execa(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, reject: false, all: true });
  expect(build.exitCode, build.all).toBe(0);
});

describe('bundle: node dist/cli.cjs', () => {
  it('prints exactly the package.json version for --version', async () => {
    const r = await execa(process.execPath, [bundle, '--version'], run);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.stderr).toBe('');
  });

  it('prints usage for --help and exits 0', async () => {
    const r = await execa(process.execPath, [bundle, '--help'], run);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: autocodex-ops /);
    expect(r.stdout).toContain('Exit status:');
    expect(r.stderr).toBe('');
  });

  it('does not load the Docker or Redis client for --version (heavy modules stay lazy)', async () => {
    // dockerode pulls in @grpc/grpc-js (node:http2); ioredis and docker-modem load node:tls.
    // They must be loaded with `await import()` inside the commands that need them.
    const dir = mkdtempSync(join(tmpdir(), 'aco-lazy-'));
    try {
      const preload = join(dir, 'builtins.cjs');
      writeFileSync(
        preload,
        "process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList)));\n",
      );
      const r = await execa(process.execPath, ['--require', preload, bundle, '--version'], run);
      expect(r.exitCode).toBe(0);
      const loaded = JSON.parse(r.stderr) as string[];
      expect(loaded.filter((m) => /^NativeModule (http2|tls)$/.test(m))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('single binary: dist/autocodex-ops alone, no node and no node_modules', () => {
  let dir = '';
  let exe = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aco-binary-'));
    exe = join(dir, 'autocodex-ops');
    copyFileSync(binary, exe);
    // PATH holds a few system tools but no node; the binary must not look for one.
    const pathDir = join(dir, 'path-bin');
    mkdirSync(pathDir);
    for (const tool of ['sh', 'tar', 'gzip']) {
      const target = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
      if (target) symlinkSync(target, join(pathDir, tool));
    }
    env = { PATH: pathDir, HOME: dir, NO_COLOR: '1' };
    const probe = await execa('sh', ['-c', 'command -v node'], { reject: false, env, extendEnv: false });
    expect(probe.exitCode, `node found on the test PATH: ${probe.stdout}`).not.toBe(0);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runBinary = (args: string[]) => execa(exe, args, { ...run, env, extendEnv: false, cwd: dir });

  it('prints exactly the package.json version for --version', async () => {
    const r = await runBinary(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.stderr).toBe('');
  });

  it('prints usage for --help with no ExperimentalWarning on stderr', async () => {
    const r = await runBinary(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: autocodex-ops /);
    expect(r.stderr).not.toMatch(/ExperimentalWarning|single executable/i);
    expect(r.stderr).toBe('');
  });

  it('exits 2 (usage) for an unknown option', async () => {
    const r = await runBinary(['--no-such-option']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option '--no-such-option'");
  });
});

describe('bin entry: bin/autocodex-ops.cjs', () => {
  it('runs the bundle and prints the version', async () => {
    const r = await execa(process.execPath, [binEntry, '--version'], run);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.stderr).toBe('');
  });

  it('says to run npm run build when dist/ has not been built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-bin-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(binEntry, join(dir, 'bin', 'autocodex-ops.cjs'));
      const r = await execa(process.execPath, [join(dir, 'bin', 'autocodex-ops.cjs'), '--version'], run);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('npm run build');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
