import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '../../src/core/audit/verify.js';

// A child process that runs the real appendAuditRecord `count` times after a start barrier
// (epoch ms), so many processes really append at the same moment. Bundled with esbuild. The
// lock wait is long: this test is about forks and torn lines, not latency on a loaded machine.
const CHILD_SOURCE = `
import { appendAuditRecord } from ${JSON.stringify(resolve('src/core/audit/append.ts'))};
const [path, count, startAt, maxBytes, backups] = process.argv.slice(2);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
for (let i = 0; i < Number(count); i++) {
  const t = new Date().toISOString();
  await appendAuditRecord({
    time: t, startedAt: t, durationMs: 0, tool: 'autocodex-ops', version: 'test', user: 'u', host: 'h', pid: process.pid,
    root: '/r', command: 'backup falkordb', args: ['n', String(i)], outcome: 'ok', exitCode: 0, details: { i },
  }, { path, maxBytes: Number(maxBytes), backups: Number(backups), lockWaitSeconds: 300, log: { warn: (m) => console.error('WARN ' + m) } });
}
console.log('DONE');
`;

function runChild(script: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    proc.once('exit', (code) => done({ code, out }));
  });
}

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('appendAuditRecord across real processes at one instant', () => {
  let work: string;
  let script: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'aco-audit-append-'));
    const entry = join(work, 'child.ts');
    await writeFile(entry, CHILD_SOURCE);
    script = join(work, 'child.mjs');
    await build({ entryPoints: [entry], outfile: script, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent' });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['without rotation', '0', '0'],
    ['rotating every few records and pruning', '3000', '4'],
  ])('24 processes × 8 appends keep one unforked chain (%s)', async (_name, maxBytes, backups) => {
    const path = join(work, `trail-${maxBytes}.jsonl`);
    const startAt = String(Date.now() + 1500);
    const results = await Promise.all(Array.from({ length: 24 }, () => runChild(script, [path, '8', startAt, maxBytes, backups])));
    for (const r of results) {
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toContain('WARN');
    }
    const result = await verifyAuditTrail(path);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.head?.seq).toBe(192);
    if (backups === '0') {
      expect(result.records).toBe(192);
      const lines = (await readFile(path, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(192);
      // Every line is a whole record: no interleaving.
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    } else {
      expect(result.files.length).toBeLessThanOrEqual(5);
    }
    expect((await readdir(work)).filter((n) => n.startsWith(`trail-${maxBytes}.jsonl`) && /lock|tmp/.test(n))).toEqual([]);
  }, 300_000);
});
