import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCompose, detectComposeFast, parseComposeVersion } from '../../../../src/core/docker/compose.js';
import { FakeExec } from '../../../helpers/fake-exec.js';

describe('detectCompose', () => {
  it('prefers the v2 plugin', async () => {
    const exec = new FakeExec({ 'docker compose version': { stdout: 'Docker Compose version v2.29.1\n' } });
    expect(await detectCompose({ exec })).toEqual({ command: ['docker', 'compose'], version: '2.29.1', major: 2 });
    expect(exec.calls).toEqual(['docker compose version']);
  });

  it('falls back to docker-compose v1', async () => {
    const exec = new FakeExec({
      'docker compose version': { exitCode: 1, stderr: "docker: 'compose' is not a docker command." },
      'docker-compose version': { stdout: 'docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3\n' },
    });
    expect(await detectCompose({ exec })).toEqual({ command: ['docker-compose'], version: '1.29.2', major: 1 });
  });

  it('returns undefined when neither works', async () => {
    expect(await detectCompose({ exec: new FakeExec({ 'docker-compose version': 'notFound' }) })).toBeUndefined();
    expect(await detectCompose({ exec: new FakeExec({ 'docker-compose version': { exitCode: 0, stdout: 'garbage' } }) })).toBeUndefined();
  });
});

/** A PATH folder holding `docker-compose` with the given content (`PY`: the python3 beside it). */
function pathWith(content: string | Buffer): string {
  const bin = join(mkdtempSync(join(tmpdir(), 'aco-compose-')), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'python3'), '', { mode: 0o755 });
  writeFileSync(join(bin, 'docker-compose'), typeof content === 'string' ? content.replace('PY', join(bin, 'python3')) : content, { mode: 0o755 });
  return bin;
}

describe('detectComposeFast', () => {
  const noPlugin = { 'docker compose version': { exitCode: 1, stderr: "docker: 'compose' is not a docker command." } };
  const v1Runs = { ...noPlugin, 'docker-compose version': { stdout: 'docker-compose version 1.29.1, build c34c88b2' } };
  const header = (py: string) => `#!${py}\n# EASY-INSTALL-ENTRY-SCRIPT: 'docker-compose==1.29.2','console_scripts','docker-compose'\n`;

  it.each([
    // [case, PATH folder (or none), exec table, expected, programs run]
    ['the v2 plugin first, without looking at files', (): string => pathWith('#!/bin/false\n'), { 'docker compose version': { stdout: 'Docker Compose version v2.29.1' } }, { command: ['docker', 'compose'], version: '2.29.1', major: 2 }, ['docker compose version']],
    ['a Python script: the version from its header, Python not started', (): string => pathWith(header('PY')), noPlugin, { command: ['docker-compose'], version: '1.29.2', major: 1 }, ['docker compose version']],
    ['an ELF binary (v2 standalone, PyInstaller v1) is run', (): string => pathWith(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), v1Runs, { command: ['docker-compose'], version: '1.29.1', major: 1 }, ['docker compose version', 'docker-compose version']],
    ['a Python script without a readable version is run', (): string => pathWith('#!/usr/bin/env python3\nfrom compose.cli.main import main\n'), v1Runs, { command: ['docker-compose'], version: '1.29.1', major: 1 }, ['docker compose version', 'docker-compose version']],
    ['a Python script whose interpreter is missing is run, and fails as before', (): string => pathWith(header('/nonexistent/python3')), { ...noPlugin, 'docker-compose version': { exitCode: 1, stderr: 'bad interpreter' } }, undefined, ['docker compose version', 'docker-compose version']],
    ['neither on PATH', (): string => '/nonexistent', noPlugin, undefined, ['docker compose version', 'docker-compose version']],
  ] as const)('%s', async (_case, path, table, expected, calls) => {
    const exec = new FakeExec(table as never);
    expect(await detectComposeFast({ exec, env: { PATH: path() } })).toEqual(expected);
    expect(exec.calls).toEqual(calls);
  });
});

describe('parseComposeVersion', () => {
  it.each([
    ['Docker Compose version v2.29.1', '2.29.1'],
    ['Docker Compose version 2.24.6+ds1-0+deb12u1', '2.24.6+ds1-0+deb12u1'],
    ['docker-compose version 1.29.2, build 5becea4c', '1.29.2'],
    ['nothing here', undefined],
  ])('%s', (output, expected) => {
    expect(parseComposeVersion(output)).toBe(expected);
  });
});
