import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError, LockHeldError, throwIfAborted } from '../../../../src/core/errors.js';
import { type AcquireLockOptions, acquireLock, isProcessAlive } from '../../../../src/core/run/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aco-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockPath = () => join(dir, 'falkordb.lock');

/** A world with a fake clock (sleep advances it), a log that records, and a set of live pids. */
function world(live: number[] = []) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const clock = { t: Date.parse('2025-06-01T12:00:00Z') };
  const alive = new Set(live);
  const base = (over: Partial<AcquireLockOptions> = {}): AcquireLockOptions => ({
    dir,
    target: 'falkordb',
    command: 'backup falkordb',
    hostname: 'here',
    pid: 1000,
    now: () => clock.t,
    sleep: async (ms, signal) => {
      throwIfAborted(signal);
      clock.t += ms;
    },
    isProcessAlive: (pid) => alive.has(pid),
    bootId: 'boot-1',
    processStart: (pid) => (alive.has(pid) ? `start-${pid}` : undefined),
    // Live processes run as this user, who also writes the lock files of these tests.
    processUid: (pid) => (alive.has(pid) ? process.getuid!() : undefined),
    log: { warn: (m) => warnings.push(m), info: (m) => infos.push(m) },
    ...over,
  });
  return { base, warnings, infos, clock, alive };
}

async function writeLock(owner: object, path = lockPath()) {
  await writeFile(path, JSON.stringify(owner));
}

describe('acquireLock', () => {
  it('creates <dir>/<target>.lock with the owner and removes it on release', async () => {
    const w = world();
    const lock = await acquireLock(w.base());
    expect(lock.path).toBe(lockPath());
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toEqual({
      pid: 1000,
      host: 'here',
      startedAt: '2025-06-01T12:00:00.000Z',
      command: 'backup falkordb',
      boot: 'boot-1',
    });
    await lock.release();
    await expect(readdir(dir)).resolves.toEqual([]);
    await lock.release();
  });

  it('refuses at once with LockHeldError (exit 11) naming a live holder', async () => {
    const w = world([2000]);
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T11:59:00.000Z', command: 'restore falkordb x.tgz' });
    const err = await acquireLock(w.base()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    const held = err as LockHeldError;
    expect(held.exitCode).toBe(11);
    expect(held.message).toBe(
      'Another autocodex-ops run holds the falkordb lock: pid 2000 on host here running "restore falkordb x.tgz" since 2025-06-01T11:59:00.000Z, 60 s ago.',
    );
    expect(held.hint).toContain('--wait <seconds>');
    expect(held.hint).toContain(lockPath());
  });

  it('takes over a lock whose process is dead, with a warning', async () => {
    const w = world();
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T10:00:00.000Z', command: 'backup falkordb' });
    const lock = await acquireLock(w.base());
    expect(w.warnings).toHaveLength(1);
    expect(w.warnings[0]).toMatch(/Took over the falkordb lock from pid 2000 .* that process no longer exists/);
    expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).toBe(1000);
    expect((await readdir(dir)).sort()).toEqual(['falkordb.lock']);
    await lock.release();
  });

  it('lets exactly one of several concurrent runs take over a stale lock', async () => {
    const w = world([1001, 1002, 1003, 1004]);
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T10:00:00.000Z', command: 'backup falkordb' });
    const results = await Promise.allSettled([1001, 1002, 1003, 1004].map((pid) => acquireLock(w.base({ pid }))));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockHeldError);
    expect((await readdir(dir)).sort()).toEqual(['falkordb.lock']);
  });

  it('clears a takeover mutex left by a run that died during a takeover, then takes over', async () => {
    const w = world();
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T10:00:00.000Z', command: 'backup falkordb' });
    await writeFile(`${lockPath()}.takeover`, '');
    const old = new Date('2025-06-01T11:00:00Z');
    await utimes(`${lockPath()}.takeover`, old, old);
    const lock = await acquireLock(w.base());
    expect(JSON.parse(await readFile(lockPath(), 'utf8')).pid).toBe(1000);
    expect((await readdir(dir)).sort()).toEqual(['falkordb.lock']);
    await lock.release();
  });

  it('leaves a fresh takeover mutex alone (another run is mid-takeover) and reports the lock held', async () => {
    const w = world([2000]);
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T10:00:00.000Z', command: 'backup falkordb' });
    await expect(acquireLock(w.base())).rejects.toBeInstanceOf(LockHeldError);
  });

  it("takes over a record naming a live process of another user than the file's owner (forged, or a reused pid), never a genuine one", async () => {
    const w = world([1, 77]);
    await writeLock({ pid: 1, host: 'here', startedAt: '2025-06-01T11:00:00Z', command: 'backup falkordb', boot: 'boot-1' });
    const lock = await acquireLock(w.base({ processUid: (pid) => (pid === 1 ? process.getuid!() + 4242 : process.getuid!()) }));
    expect(w.warnings.join('\n')).toMatch(/a process of another user than the file's owner/);
    await lock.release();
    await writeLock({ pid: 77, host: 'here', startedAt: '2025-06-01T11:00:00Z', command: 'backup falkordb', boot: 'boot-1', pidStart: 'start-77' });
    await expect(acquireLock(w.base())).rejects.toBeInstanceOf(LockHeldError);
  });

  it('never treats a lock from another host as stale, and says so', async () => {
    const w = world();
    await writeLock({ pid: 2000, host: 'elsewhere', startedAt: '2025-06-01T10:00:00.000Z', command: 'backup falkordb' });
    const err = (await acquireLock(w.base()).catch((e: unknown) => e)) as LockHeldError;
    expect(err).toBeInstanceOf(LockHeldError);
    expect(err.message).toMatch(/on host elsewhere .* never treated as stale automatically/);
    expect(w.warnings).toEqual([]);
  });

  it('waits for the holder to go away, then acquires', async () => {
    const w = world([2000]);
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T11:59:00.000Z', command: 'backup falkordb' });
    const options = w.base({ waitSeconds: 10, pollMs: 1000 });
    const sleep = options.sleep!;
    options.sleep = async (ms, signal) => {
      await sleep(ms, signal);
      if (w.clock.t - Date.parse('2025-06-01T12:00:00Z') >= 3000) await rm(lockPath(), { force: true });
    };
    const lock = await acquireLock(options);
    expect(w.clock.t - Date.parse('2025-06-01T12:00:00Z')).toBe(3000);
    expect(w.infos[0]).toMatch(/Waiting up to 10 s for the falkordb lock held by pid 2000/);
    await lock.release();
  });

  it('gives up with LockHeldError when the wait runs out', async () => {
    const w = world([2000]);
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T11:59:00.000Z', command: 'backup falkordb' });
    const err = (await acquireLock(w.base({ waitSeconds: 5, pollMs: 1000 })).catch((e: unknown) => e)) as LockHeldError;
    expect(err).toBeInstanceOf(LockHeldError);
    expect(err.message).toMatch(/after waiting 5 s/);
    expect(w.clock.t - Date.parse('2025-06-01T12:00:00Z')).toBe(5000);
  });

  it('stops waiting with InterruptedError when the signal aborts', async () => {
    const w = world([2000]);
    await writeLock({ pid: 2000, host: 'here', startedAt: '2025-06-01T11:59:00.000Z', command: 'backup falkordb' });
    const controller = new AbortController();
    const options = w.base({ waitSeconds: 60, signal: controller.signal });
    const sleep = options.sleep!;
    options.sleep = async (ms, signal) => {
      controller.abort();
      await sleep(ms, signal);
    };
    await expect(acquireLock(options)).rejects.toBeInstanceOf(InterruptedError);
  });

  it('treats a young corrupt lock file as held (a writer may be mid-write)', async () => {
    const w = world();
    await writeFile(lockPath(), '');
    const err = await acquireLock(w.base({ now: () => Date.now() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toMatch(/still writing the lock file/);
  });

  it('takes over a corrupt lock file older than the grace period', async () => {
    const w = world();
    await writeFile(lockPath(), '{"pid": "not json');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath(), old, old);
    const lock = await acquireLock(w.base({ now: () => Date.now() }));
    expect(w.warnings[0]).toMatch(/Removed a corrupt falkordb lock file/);
    await lock.release();
  });

  it('release() leaves a lock that now belongs to someone else', async () => {
    const w = world();
    const lock = await acquireLock(w.base());
    await rm(lockPath());
    const theirs = { pid: 3000, host: 'here', startedAt: '2025-06-01T12:05:00.000Z', command: 'restore falkordb' };
    await writeLock(theirs);
    await lock.release();
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toEqual(theirs);
    expect(w.warnings[0]).toMatch(/now belongs to another run/);
  });

  it('keeps locks of different targets independent', async () => {
    const w = world();
    const a = await acquireLock(w.base());
    const b = await acquireLock(w.base({ target: 'userdata' }));
    expect((await readdir(dir)).sort()).toEqual(['falkordb.lock', 'userdata.lock']);
    await Promise.all([a.release(), b.release()]);
  });

  it('rejects a target that would escape the lock folder', async () => {
    await expect(acquireLock(world().base({ target: '../x' }))).rejects.toThrow(TypeError);
  });
});

describe('isProcessAlive', () => {
  it('is true for this process and false for a pid that cannot exist', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 12345)).toBe(false);
  });

  it('takes over a record from an earlier boot or a reused pid (issue 14), never a live holder', async () => {
    const w = world([4242]);
    const record = { pid: 4242, host: 'here', startedAt: '2025-06-01T11:00:00.000Z', command: 'backup userdata' };
    await writeLock({ ...record, boot: 'boot-0', pidStart: 'start-4242' });
    await (await acquireLock(w.base())).release();
    await writeLock({ ...record, boot: 'boot-1', pidStart: 'start-other' });
    await (await acquireLock(w.base())).release();
    expect(w.warnings).toHaveLength(2);
    await writeLock({ ...record, boot: 'boot-1', pidStart: 'start-4242' });
    await expect(acquireLock(w.base())).rejects.toMatchObject({ exitCode: 11 });
  });
});
