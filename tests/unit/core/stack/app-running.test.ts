import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectRunningApp } from '../../../../src/core/stack/app-running.js';

const folder = () => mkdtempSync(join(tmpdir(), 'aco-app-'));

describe('detectRunningApp (Chromium SingletonLock)', () => {
  it('no lock: not running', async () => {
    expect((await detectRunningApp(folder())).state).toBe('not-running');
  });
  it('a lock naming this host and a live pid (this test process): running', async () => {
    const dir = folder();
    symlinkSync(`${hostname()}-${process.pid}`, join(dir, 'SingletonLock'));
    expect(await detectRunningApp(dir)).toEqual({ state: 'running', detail: `${join(dir, 'SingletonLock')} points at pid ${process.pid}, which is running` });
  });
  it('a lock naming a dead pid: stale, not running', async () => {
    const dir = folder();
    symlinkSync('myhost-4242', join(dir, 'SingletonLock'));
    const state = await detectRunningApp(dir, { hostname: 'myhost', isAlive: (pid) => pid !== 4242 });
    expect(state).toMatchObject({ state: 'not-running', detail: expect.stringMatching(/stale: pid 4242/) });
  });
  it('host names with dashes are split at the last dash', async () => {
    const dir = folder();
    symlinkSync('my-laptop-local-99', join(dir, 'SingletonLock'));
    expect((await detectRunningApp(dir, { hostname: 'my-laptop-local', isAlive: (pid) => pid === 99 })).state).toBe('running');
  });
  it('a lock from another host, or not a symlink: unknown', async () => {
    const dir = folder();
    symlinkSync('otherhost-12', join(dir, 'SingletonLock'));
    expect(await detectRunningApp(dir, { hostname: 'me' })).toMatchObject({ state: 'unknown', detail: expect.stringMatching(/host otherhost/) });
    const plain = folder();
    writeFileSync(join(plain, 'SingletonLock'), 'x');
    expect((await detectRunningApp(plain)).state).toBe('unknown');
  });
  it('Windows: an openable lockfile is not held; none at all is not running', async () => {
    const dir = folder();
    expect((await detectRunningApp(dir, { platform: 'win32' })).state).toBe('not-running');
    writeFileSync(join(dir, 'lockfile'), '');
    expect(await detectRunningApp(dir, { platform: 'win32' })).toMatchObject({ state: 'not-running', detail: expect.stringMatching(/not held open/) });
  });
});
