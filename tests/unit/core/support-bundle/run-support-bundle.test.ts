import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptedError, OpsError } from '../../../../src/core/errors.js';
import { redactText } from '../../../../src/core/redact/redact.js';
import { collectAll } from '../../../../src/core/support-bundle/collect-all.js';
import { BundleRedactor } from '../../../../src/core/support-bundle/redactor.js';
import { runSupportBundle, type SupportBundleOptions } from '../../../../src/core/support-bundle/run-support-bundle.js';
import { INDEX_RESERVE } from '../../../../src/core/support-bundle/size-cap.js';
import { skip, textPart, type Collector } from '../../../../src/core/support-bundle/types.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-run-'));
  dirs.push(dir);
  return dir;
}

const collector = (id: string, collect: Collector['collect'], timeoutMs = 1000): Collector => ({ id, title: `Section ${id}`, timeoutMs, collect });
const never = (): Promise<never> => new Promise(() => undefined);

function options(dir: string, over: Partial<SupportBundleOptions> = {}): SupportBundleOptions {
  return { output: join(dir, 'out', 'autocodex-support_20240101_000000.tar.gz'), dryRun: false, maxSize: 10 * 1024 * 1024, commandLine: 'autocodex-ops support-bundle', version: '9.9.9', now: new Date('2024-01-01T00:00:00Z'), ...over };
}

function unpack(archive: string, into: string): void {
  execFileSync('tar', ['-xzf', archive, '-C', into]);
}

describe('collectAll', () => {
  it('records a collector that fails or hangs as one skip of its section, and keeps the others', async () => {
    const results = await collectAll(
      [
        collector('ok', async () => ({ parts: [textPart('a.txt', 'here', 'a')], skipped: [] })),
        collector('broken', async () => {
          throw new Error('engine down');
        }),
        collector('stuck', never, 50),
      ],
      new AbortController().signal,
    );
    expect(results.map((r) => [r.id, r.parts.length, r.skipped.map((s) => `${s.reason}: ${s.detail}`)])).toEqual([
      ['ok', 1, []],
      ['broken', 0, ['failed: engine down']],
      ['stuck', 0, ['timed out: no answer within 50 ms']],
    ]);
  });

  it('rejects with InterruptedError when the run is aborted', async () => {
    const controller = new AbortController();
    const run = collectAll([collector('stuck', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))), 10_000)], controller.signal);
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe('runSupportBundle', () => {
  it('writes every part redacted under one folder, 0600, with index.md listing what is there and what is not', async () => {
    const dir = await tempDir();
    const log = join(dir, 'main.log');
    await writeFile(log, 'line with sk-abcdefghijklmnopqrstuv\nplain line\n');
    const redactor = new BundleRedactor(redactText);
    const result = await runSupportBundle(options(dir), {
      redactor,
      signal: new AbortController().signal,
      collectors: [
        collector('one', async () => {
          redactor.addSecret('learned-secret-value');
          return { parts: [textPart('x/one.txt', 'somewhere', 'the learned-secret-value here\n'), { name: 'app/main.log', source: log, kind: 'file', path: log, bytes: 47, truncatable: true }], skipped: [skip('docker/', 'the engine', 'failed', 'Docker engine is not reachable')] };
        }),
      ],
    });
    expect((await stat(result.bundle)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'out'))).toEqual(['autocodex-support_20240101_000000.tar.gz']);
    const into = await tempDir();
    unpack(result.bundle, into);
    expect(await readdir(into)).toEqual(['autocodex-support_20240101_000000']);
    const top = join(into, 'autocodex-support_20240101_000000');
    expect(await readFile(join(top, 'x/one.txt'), 'utf8')).toBe('the *** here\n');
    expect(await readFile(join(top, 'app/main.log'), 'utf8')).toBe('line with ***\nplain line\n');
    const index = await readFile(join(top, 'index.md'), 'utf8');
    expect(index).toContain('| x/one.txt | somewhere | 13 | 1 |');
    expect(index).toContain('| app/main.log |');
    expect(index).toContain('- docker/ (the engine): failed: Docker engine is not reachable');
    expect(index).toContain('autocodex-ops 9.9.9');
    expect(result.parts.map((p) => [p.name, p.skipped])).toEqual([
      ['index.md', undefined],
      ['x/one.txt', undefined],
      ['app/main.log', undefined],
      ['docker/', 'failed: Docker engine is not reachable'],
    ]);
  });

  it('cuts the largest log to its newest lines to fit --max-size, and says so', async () => {
    const dir = await tempDir();
    const big = join(dir, 'big.log');
    const small = join(dir, 'small.log');
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(40)}`);
    await writeFile(big, `${lines.join('\n')}\n`);
    await writeFile(small, 'small\n');
    const bigBytes = (await stat(big)).size;
    const maxSize = INDEX_RESERVE + 1024 * 1024;
    const result = await runSupportBundle(options(dir, { maxSize }), {
      redactor: new BundleRedactor(redactText),
      signal: new AbortController().signal,
      collectors: [collector('logs', async () => ({ parts: [{ name: 'big.log', source: big, kind: 'file', path: big, bytes: bigBytes, truncatable: true }, { name: 'small.log', source: small, kind: 'file', path: small, bytes: 6, truncatable: true }], skipped: [] }))],
    });
    const bigPart = result.parts.find((p) => p.name === 'big.log')!;
    expect(bigPart.truncatedFrom).toBe(bigBytes);
    expect(bigPart.bytes).toBeLessThanOrEqual(1024 * 1024 - 6 + 200);
    expect(result.parts.find((p) => p.name === 'small.log')).toMatchObject({ bytes: 6 });
    const into = await tempDir();
    unpack(result.bundle, into);
    const kept = await readFile(join(into, 'autocodex-support_20240101_000000', 'big.log'), 'utf8');
    expect(kept.startsWith('[autocodex-ops support-bundle: cut to the newest')).toBe(true);
    expect(kept.endsWith(`${lines.at(-1)}\n`)).toBe(true);
    expect(kept).not.toContain(`${lines[0]}\n`);
    expect(await readFile(join(into, 'autocodex-support_20240101_000000', 'index.md'), 'utf8')).toContain('1 log(s) were cut to their newest lines');
  });

  it('with dryRun lists parts and sizes and writes nothing', async () => {
    const dir = await tempDir();
    const result = await runSupportBundle(options(dir, { dryRun: true }), {
      redactor: new BundleRedactor(redactText),
      signal: new AbortController().signal,
      collectors: [collector('one', async () => ({ parts: [textPart('a.txt', 'here', 'abc')], skipped: [] }))],
    });
    expect(result).toMatchObject({ dryRun: true, bytes: 3, parts: [{ name: 'a.txt', bytes: 3, masked: 0 }] });
    expect(await readdir(dir)).toEqual([]);
  });

  it('a file that vanished after it was listed is recorded as not found; the bundle is still written', async () => {
    const dir = await tempDir();
    const result = await runSupportBundle(options(dir), {
      redactor: new BundleRedactor(redactText),
      signal: new AbortController().signal,
      collectors: [collector('one', async () => ({ parts: [{ name: 'gone.log', source: '/nonexistent/gone.log', kind: 'file', path: '/nonexistent/gone.log', bytes: 10, truncatable: true }], skipped: [] }))],
    });
    expect(result.parts.find((p) => p.name === 'gone.log')?.skipped).toMatch(/^not found: /);
    expect((await stat(result.bundle)).isFile()).toBe(true);
  });

  it('Ctrl-C while parts are written: InterruptedError, and neither the bundle nor the staging folder is left', async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    // The first redaction pulls the plug, as a SIGINT arriving mid-write would.
    const redactor = new BundleRedactor((t) => {
      controller.abort();
      return t;
    });
    const run = runSupportBundle(options(dir), {
      redactor,
      signal: controller.signal,
      collectors: [collector('one', async () => ({ parts: [textPart('a.txt', 's', 'a'), textPart('b.txt', 's', 'b')], skipped: [] }))],
    });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(await readdir(join(dir, 'out'))).toEqual([]);
  });

  it('never overwrites an existing file and leaves no staging folder behind (exit 1)', async () => {
    const dir = await tempDir();
    const opts = options(dir);
    await runSupportBundle(opts, { redactor: new BundleRedactor(redactText), signal: new AbortController().signal, collectors: [] });
    const before = await readFile(opts.output);
    const again = runSupportBundle(opts, { redactor: new BundleRedactor(redactText), signal: new AbortController().signal, collectors: [collector('x', async () => ({ parts: [textPart('new.txt', 's', 'new')], skipped: [] }))] });
    await expect(again).rejects.toSatisfy((e) => e instanceof OpsError && e.exitCode === 1 && /already exists/.test(e.message));
    expect(await readFile(opts.output)).toEqual(before);
    expect(await readdir(join(dir, 'out'))).toEqual(['autocodex-support_20240101_000000.tar.gz']);
  });
});
