import { describe, expect, it } from 'vitest';
import { InterruptedError, OpsError, PrerequisiteError } from '../../../../src/core/errors.js';
import { withCleanup } from '../../../../src/core/run/cleanup.js';

describe('withCleanup', () => {
  it('runs every step newest first, on success', async () => {
    const order: string[] = [];
    const result = await withCleanup(async (stack) => {
      stack.defer('a', () => void order.push('a'));
      stack.defer('b', () => void order.push('b'));
      return 7;
    });
    expect(result).toBe(7);
    expect(order).toEqual(['b', 'a']);
  });
  it('keeps the primary error and its exit code, and still runs later steps after a failing one', async () => {
    const order: string[] = [];
    const run = withCleanup(async (stack) => {
      stack.defer('restart', () => void order.push('restart'));
      stack.defer('restore setting', () => {
        throw new OpsError('server gone', { hint: 'CONFIG SET it by hand' });
      });
      throw new PrerequisiteError('volume missing');
    });
    await expect(run).rejects.toMatchObject({ exitCode: 10, message: 'volume missing Cleanup also failed: restore setting: server gone', hint: 'CONFIG SET it by hand' });
    expect(order).toEqual(['restart']);
  });
  it('rethrows the primary error itself when cleanup succeeds (InterruptedError stays 130)', async () => {
    const err = new InterruptedError();
    await expect(withCleanup(async () => { throw err; })).rejects.toBe(err);
  });
  it('fails a successful run whose cleanup failed', async () => {
    await expect(withCleanup(async (stack) => { stack.defer('restart', () => { throw new Error('no'); }); return 1; })).rejects.toMatchObject({ exitCode: 1, message: 'The run finished, but cleanup failed: restart: no' });
  });
  it('does not repeat a shared undo failure that is already the cause of the primary error', async () => {
    const restartFailed = new OpsError('could not start');
    const run = withCleanup(async (stack) => {
      stack.defer('restart', () => Promise.reject(restartFailed));
      throw new OpsError('backup written, but restart failed', { cause: restartFailed });
    });
    await expect(run).rejects.toMatchObject({ message: 'backup written, but restart failed' });
  });
});
