import { describe, expect, it } from 'vitest';
import { consentFor } from '../../src/consent.js';
import { InterruptedError, UsageError } from '../../src/core/errors.js';
import { testRuntime } from '../helpers/runtime.js';

describe('consentFor (the one rule of every destructive command)', () => {
  const logged: string[] = [];
  const log = (t: string) => logged.push(t);

  it('without a terminal and without --yes: exit 2 at once, before the plan exists', () => {
    const rt = testRuntime();
    let error: unknown;
    try {
      consentFor('restore', { yes: false, dryRun: false }, rt, log);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toBe('Refusing to restore without confirmation: stdin is not a terminal and --yes was not given; nothing was changed.');
  });

  it('--yes and --dry-run log the plan and never ask', async () => {
    const rt = testRuntime();
    expect(await consentFor('roll back', { yes: true, dryRun: false }, rt, log)('PLAN A')).toBe(true);
    expect(await consentFor('roll back', { yes: false, dryRun: true }, rt, log)('PLAN B')).toBe(true);
    expect(logged.slice(-2)).toEqual(['PLAN A', 'PLAN B']);
    expect(rt.asked).toEqual([]);
  });

  it('on a terminal: prints the plan on stderr, asks, only y/yes consents', async () => {
    const rt = testRuntime({ answers: ['y', ' YES ', 'n', '', 'yess'] });
    const ask = consentFor('remove backups', { yes: false, dryRun: false }, rt, log);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await ask(`PLAN ${i}`));
    expect(answers).toEqual([true, true, false, false, false]);
    expect(rt.err()).toContain('PLAN 0\n');
    expect(rt.asked).toEqual(Array(5).fill('Go ahead? [y/N] '));
  });

  it('a typed confirmation needs exactly the word', async () => {
    const rt = testRuntime({ answers: ['y', 'restore'] });
    const ask = consentFor('restore', { yes: false, dryRun: false }, rt, log);
    const typed = { question: 'Type "restore":', word: 'restore' };
    expect(await ask('P', typed)).toBe(false);
    expect(await ask('P', typed)).toBe(true);
  });

  it('Ctrl-C (or a hang-up) at the question is exit 130, nothing changed', async () => {
    const controller = new AbortController();
    const rt = testRuntime({
      answers: [],
      signal: controller.signal,
      prompt: () => {
        controller.abort();
        return Promise.reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
      },
    });
    await expect(consentFor('restore', { yes: false, dryRun: false }, rt, log)('P')).rejects.toBeInstanceOf(InterruptedError);
  });
});
