import { describe, expect, it } from 'vitest';
import { InterruptedError, OpsError } from '../../../../src/core/errors.js';
import { startBgsave, waitForAofRewriteIdle, waitForBgsave } from '../../../../src/core/falkordb/wait-save.js';
import { fakeWorld } from '../../../helpers/fake-falkordb.js';

describe('startBgsave + waitForBgsave', () => {
  it('starts a save and waits until LASTSAVE moves with nothing in progress', async () => {
    const { redis, clock } = fakeWorld();
    const started = await startBgsave(redis, clock);
    expect(started).toEqual({ status: 'started', lastsaveBefore: 1_699_999_000 });
    expect(redis.calls).toContain('BGSAVE SCHEDULE');

    const done = await waitForBgsave(redis, clock, { since: started, pollMs: 100 });
    expect(done.lastsave).toBeGreaterThan(started.lastsaveBefore);
    expect(redis.saving).toBeUndefined();
    expect(clock.t).toBeGreaterThanOrEqual(redis.saveMs);
  });

  it('accepts a plain LASTSAVE number as `since`', async () => {
    const { redis, clock } = fakeWorld();
    const since = Number(await redis.call('LASTSAVE'));
    await startBgsave(redis, clock);
    await expect(waitForBgsave(redis, clock, { since })).resolves.toMatchObject({ lastsave: expect.any(Number) });
  });

  it('waits for a save that is already running, then starts a fresh one', async () => {
    const { redis, clock } = fakeWorld();
    redis.saving = 1000;
    const started = await startBgsave(redis, clock, { pollMs: 100 });
    expect(started.status).toBe('started');
    const bgsaves = redis.calls.filter((c) => c.startsWith('BGSAVE'));
    expect(bgsaves).toHaveLength(2);
    // The first save finished while we waited, so `since` is its LASTSAVE, not the older one.
    expect(started.lastsaveBefore).toBeGreaterThan(1_699_999_000);
    const done = await waitForBgsave(redis, clock, { since: started });
    expect(done.lastsave).toBeGreaterThan(started.lastsaveBefore);
  });

  it('queues behind an AOF rewrite with BGSAVE SCHEDULE and waits for the queued save', async () => {
    const { redis, clock } = fakeWorld();
    redis.aofRewriteMs = 2000;
    const started = await startBgsave(redis, clock);
    expect(started.status).toBe('scheduled');
    const done = await waitForBgsave(redis, clock, { since: started, pollMs: 250 });
    expect(done.lastsave).toBeGreaterThan(started.lastsaveBefore);
    expect(clock.t).toBeGreaterThanOrEqual(2000 + redis.saveMs);
  });

  it('waits for the next second when a save already finished in the current one', async () => {
    const { redis, clock } = fakeWorld();
    redis.lastsave = Math.floor(redis.nowMs / 1000);
    const started = await startBgsave(redis, clock);
    // 400 ms into the second: sleep the remaining 600 ms (+ a little) before BGSAVE.
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(600);
    expect(redis.calls.indexOf('BGSAVE SCHEDULE')).toBeGreaterThan(redis.calls.lastIndexOf('TIME'));
    const done = await waitForBgsave(redis, clock, { since: started });
    expect(done.lastsave).toBeGreaterThan(started.lastsaveBefore);
  });

  it('fails with exit 1 naming rdb_last_bgsave_status when the save fails', async () => {
    const { redis, clock } = fakeWorld();
    redis.failNextSave = true;
    const started = await startBgsave(redis, clock);
    const err = await waitForBgsave(redis, clock, { since: started }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).exitCode).toBe(1);
    expect((err as OpsError).message).toContain('rdb_last_bgsave_status:err');
  });

  it('fails with exit 1 when the save outlasts the timeout', async () => {
    const { redis, clock } = fakeWorld();
    redis.saveMs = 60_000;
    const started = await startBgsave(redis, clock);
    const err = await waitForBgsave(redis, clock, { since: started, timeoutMs: 5000, pollMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).exitCode).toBe(1);
    expect((err as OpsError).message).toMatch(/did not finish within 5 s.*rdb_bgsave_in_progress:1/);
    expect(clock.t).toBe(5000);
  });

  it('rejects with InterruptedError when the signal aborts mid-wait', async () => {
    const { redis, clock } = fakeWorld();
    redis.saveMs = 60_000;
    const controller = new AbortController();
    const started = await startBgsave(redis, clock);
    const original = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      if (clock.t >= 1000) controller.abort();
      return original(ms, signal);
    };
    await expect(waitForBgsave(redis, clock, { since: started, signal: controller.signal })).rejects.toBeInstanceOf(
      InterruptedError,
    );
  });

  it('surfaces other BGSAVE error replies instead of looping', async () => {
    const { redis, clock } = fakeWorld();
    redis.replies.set('BGSAVE SCHEDULE', new OpsError('rejected BGSAVE: MISCONF'));
    await expect(startBgsave(redis, clock)).rejects.toThrow(/MISCONF/);
  });
});

describe('waitForAofRewriteIdle', () => {
  it('resolves once neither a rewrite runs nor one is scheduled', async () => {
    const { redis, clock } = fakeWorld();
    redis.aofRewriteMs = 1500;
    await waitForAofRewriteIdle(redis, clock, { pollMs: 500 });
    expect(redis.aofRewriteMs).toBe(0);
    expect(clock.t).toBe(1500);
  });

  it('waits for a scheduled rewrite too', async () => {
    const { redis, clock } = fakeWorld();
    redis.aofScheduled = 1;
    await waitForAofRewriteIdle(redis, clock, { pollMs: 100 });
    expect(clock.t).toBe(100);
  });

  it('fails with exit 1 after the timeout', async () => {
    const { redis, clock } = fakeWorld();
    redis.aofRewriteMs = 100_000;
    const err = await waitForAofRewriteIdle(redis, clock, { timeoutMs: 3000, pollMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).exitCode).toBe(1);
    expect((err as OpsError).message).toContain('aof_rewrite_in_progress:1');
  });
});
