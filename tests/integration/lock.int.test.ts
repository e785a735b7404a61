import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockHeldError } from '../../src/core/errors.js';
import { acquireLock } from '../../src/core/run/lock.js';

// A child process that runs the real acquireLock: `node child.mjs <dir> <hold> [startAt]` waits
// until the epoch ms `startAt` (a start barrier, so the racers really collide), prints ACQUIRED,
// holds for <hold> ms or until its stdin closes (`stdin`), releases and prints RELEASED; when
// the lock is held it prints HELD and exits 11. Bundled with esbuild: node 20 runs no TS.
const CHILD_SOURCE = `
import { acquireLock } from ${JSON.stringify(resolve('src/core/run/lock.ts'))};
const [dir, hold, startAt] = process.argv.slice(2);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt ?? 0) - Date.now())));
try {
  const lock = await acquireLock({ dir, target: 'falkordb', command: 'child ' + process.pid, log: { warn: (m) => console.error(m) } });
  console.log('ACQUIRED');
  await (hold === 'stdin'
    ? new Promise((r) => process.stdin.on('end', r).resume())
    : new Promise((r) => setTimeout(r, Number(hold))));
  await lock.release();
  console.log('RELEASED');
} catch (err) {
  console.log('HELD');
  process.exitCode = err.exitCode ?? 1;
}
`;

interface Child {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  waitFor(text: string): Promise<void>;
}

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('acquireLock across real processes', () => {
  let work: string;
  let childScript: string;
  const children: Child[] = [];

  function startChild(dir: string, hold: number | 'stdin', startAt = 0): Child {
    const proc = spawn(process.execPath, [childScript, dir, String(hold), String(startAt)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const waitFor = async (text: string) => {
      while (!out.includes(text)) {
        if (proc.exitCode !== null) throw new Error(`child exited before "${text}": ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const child = { proc, out: () => out, exited, waitFor };
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'aco-lock-int-'));
    await writeFile(join(work, 'child-entry.mjs'), CHILD_SOURCE);
    childScript = join(work, 'child.mjs');
    await build({
      entryPoints: [join(work, 'child-entry.mjs')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: childScript,
      logLevel: 'error',
    });
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await rm(work, { recursive: true, force: true });
  });

  it('lets exactly one of several simultaneous processes take the lock; the others exit 11', async () => {
    const dir = join(work, 'race');
    const startAt = Date.now() + 1000;
    const racers = Array.from({ length: 6 }, () => startChild(dir, 'stdin', startAt));
    // The winner holds until its stdin closes, so even a racer that starts late must lose.
    await Promise.any(racers.map((c) => c.waitFor('ACQUIRED')));
    const winner = racers.find((c) => c.out().includes('ACQUIRED'));
    const losers = racers.filter((c) => c !== winner);
    expect(await Promise.all(losers.map((c) => c.exited))).toEqual([11, 11, 11, 11, 11]);
    for (const c of losers) expect(c.out()).toContain('HELD');
    winner?.proc.stdin?.end();
    expect(await winner?.exited).toBe(0);
    expect(winner?.out()).toContain('RELEASED');
  });

  it('lets exactly one of concurrent acquireLock calls in one process win', async () => {
    const dir = join(work, 'in-process');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => acquireLock({ dir, target: 'falkordb', command: 'test' })),
    );
    const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockHeldError);
    await won[0]?.value.release();
  });

  it('refuses while a live process holds the lock, and takes it over once that process was killed', async () => {
    const dir = join(work, 'dead');
    const holder = startChild(dir, 600_000);
    await holder.waitFor('ACQUIRED');
    const pid = holder.proc.pid;

    const held = (await acquireLock({ dir, target: 'falkordb', command: 'test' }).catch((e: unknown) => e)) as LockHeldError;
    expect(held).toBeInstanceOf(LockHeldError);
    expect(held.exitCode).toBe(11);
    expect(held.message).toContain(`pid ${pid}`);

    holder.proc.kill('SIGKILL');
    await holder.exited;
    const warnings: string[] = [];
    const lock = await acquireLock({ dir, target: 'falkordb', command: 'test', log: { warn: (m) => warnings.push(m) } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`pid ${pid}`);
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('with waitSeconds, waits for the holding process to release, then acquires', async () => {
    const dir = join(work, 'wait');
    const holder = startChild(dir, 800);
    await holder.waitFor('ACQUIRED');
    const lock = await acquireLock({ dir, target: 'falkordb', command: 'test', waitSeconds: 30, pollMs: 50 });
    // The holder released normally: it neither found its file gone nor replaced.
    expect(await holder.exited).toBe(0);
    expect(holder.out()).toContain('RELEASED');
    expect(holder.out()).not.toMatch(/already gone|belongs to another run/);
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});
