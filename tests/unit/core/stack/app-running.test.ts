import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_PROCESS, parseLsof } from '../../../../src/core/stack/app-holders.js';
import { detectRunningApp } from '../../../../src/core/stack/app-running.js';

const folder = () => mkdtempSync(join(tmpdir(), 'aco-app-'));

describe('detectRunningApp: a Chromium SingletonLock, if one exists', () => {
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
    const state = await detectRunningApp(dir, { hostname: 'myhost', isAlive: (pid) => pid !== 4242, holders: async () => ({ holders: [], hidden: [] }) });
    expect(state).toMatchObject({ state: 'not-running', detail: expect.stringMatching(/no process holds a file open/) });
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
    expect(await detectRunningApp(dir, { platform: 'win32', byName: async () => [] })).toMatchObject({ state: 'not-running', detail: expect.stringMatching(/no process of the app runs/) });
    expect(await detectRunningApp(dir, { platform: 'win32', byName: async () => [{ pid: 77, name: 'Auto Codex.exe' }] })).toMatchObject({ state: 'running', detail: expect.stringMatching(/pid 77 \(Auto Codex\.exe\) runs \(found by name/) });
  });
});

describe('detectRunningApp: open files under userData (the app takes no single-instance lock)', () => {
  const none = { holders: [], hidden: [] };
  it('a process holding a file open there: running, naming pid, program and file', async () => {
    const dir = folder();
    const state = await detectRunningApp(dir, { holders: async () => ({ holders: [{ pid: 41, name: 'auto-codex-ui', file: `${dir}/Local Storage/leveldb/LOCK` }], hidden: [] }) });
    expect(state).toEqual({ state: 'running', detail: `pid 41 (auto-codex-ui) holds ${dir}/Local Storage/leveldb/LOCK open under ${dir}` });
  });
  it('nothing open there: not running, even if a process of the same name runs (another userData)', async () => {
    const byName = async () => [{ pid: 5, name: 'auto-codex-ui' }];
    expect((await detectRunningApp(folder(), { holders: async () => none, byName })).state).toBe('not-running');
  });
  it("another user's process with the app's name, whose files cannot be seen: running", async () => {
    const state = await detectRunningApp(folder(), { holders: async () => ({ holders: [], hidden: [{ pid: 9, name: 'bash' }, { pid: 10, name: 'Auto Codex' }] }) });
    expect(state).toMatchObject({ state: 'running', detail: expect.stringMatching(/pid 10 \(Auto Codex\) runs under another user/) });
  });
  it('no way to see open files: falls back to the process name', async () => {
    expect((await detectRunningApp(folder(), { holders: async () => undefined, byName: async () => [{ pid: 3, name: 'auto-codex' }] })).state).toBe('running');
    expect((await detectRunningApp(folder(), { holders: async () => undefined, byName: async () => undefined })).detail).toMatch(/cannot list processes/);
  });
});

describe('parseLsof and APP_PROCESS', () => {
  it('reads lsof -F pcn, one holder per process, never this one', () => {
    const text = `p12\ncElectron\nn/u/Auto Codex/a\nn/u/Auto Codex/b\np${process.pid}\ncnode\nn/u/Auto Codex/c\n`;
    expect(parseLsof(text)).toEqual([{ pid: 12, name: 'Electron', file: '/u/Auto Codex/a' }]);
  });
  it.each([['auto-codex-ui', true], ['Auto Codex', true], ['Auto Codex.exe', true], ['autocodex', true], ['auto-codex-ops', false], ['bash', false]])('%s → %s', (name, match) => {
    expect(APP_PROCESS.test(name)).toBe(match);
  });
});
