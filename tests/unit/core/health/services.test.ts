import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeCheck, containersHealthCheck, dockerCheck, imageTagsCheck } from '../../../../src/core/health/checks/docker.js';
import { graphitiMcpExposureCheck } from '../../../../src/core/health/checks/exposure.js';
import { imageTag } from '../../../../src/core/stack/image-tags.js';
import {
  falkordbAppendonlyCheck,
  falkordbAuthCheck,
  falkordbDataMountCheck,
  falkordbExposureCheck,
  falkordbLiveCheck,
} from '../../../../src/core/health/checks/falkordb.js';
import { FakeExec } from '../../../helpers/fake-exec.js';
import { fakeHealthContext, fakeService, type FakeHealthOptions } from '../../../helpers/health-context.js';

const G = { GRAPHITI_ENABLED: 'true' };
const ctx = (o: FakeHealthOptions = {}) => fakeHealthContext({ ...o, env: { ...G, ...o.env } });

describe('docker and compose', () => {
  it('reports the engine or the prerequisite error', async () => {
    expect(await dockerCheck.run(ctx())).toMatchObject({ status: 'ok', message: expect.stringContaining('20.10.24') });
    await expect(dockerCheck.run(ctx({ dockerDown: true }))).rejects.toThrow(/not reachable/);
  });
  it('prefers docker compose v2, falls back to docker-compose v1', async () => {
    const v2 = new FakeExec({ 'docker compose version': { stdout: 'Docker Compose version v2.29.1\n' }, 'docker-compose version': { stdout: 'docker-compose version 1.29.2, build unknown' } });
    expect(await composeCheck.run(ctx({ exec: v2 }))).toMatchObject({ status: 'ok', message: 'compose command: docker compose 2.29.1' });
    const v1 = new FakeExec({ 'docker compose version': { exitCode: 1 }, 'docker-compose version': { stdout: 'docker-compose version 1.29.2, build unknown' } });
    expect(await composeCheck.run(ctx({ exec: v1 }))).toMatchObject({ status: 'ok', message: 'compose command: docker-compose 1.29.2' });
    expect((await composeCheck.run(ctx())).status).toBe('fail');
  });
  it("reads a Python docker-compose's version without starting Python; fails as before when neither is usable", async () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'aco-hc-compose-')), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'python3'), '', { mode: 0o755 });
    writeFileSync(join(bin, 'docker-compose'), `#!${join(bin, 'python3')}\n# EASY-INSTALL-ENTRY-SCRIPT: 'docker-compose==1.29.2','console_scripts','docker-compose'\n`, { mode: 0o755 });
    const exec = new FakeExec({ 'docker compose version': { exitCode: 1 } });
    expect(await composeCheck.run({ ...ctx({ exec }), env: { PATH: bin }, cwd: '/' })).toMatchObject({ status: 'ok', message: 'compose command: docker-compose 1.29.2' });
    expect(exec.calls).toEqual(['docker compose version']);
    const none = await composeCheck.run({ ...ctx({ exec }), env: { PATH: '/nonexistent' }, cwd: '/' });
    expect(none).toEqual({ status: 'fail', message: 'docker compose/docker-compose not found', hint: 'Install the Docker Compose v2 plugin (or docker-compose v1).' });
  });
});

describe('image-tags', () => {
  const tags = { FALKORDB_IMAGE_TAG: 'v4.2.1', GRAPHITI_MCP_IMAGE_TAG: '1.0.1' };
  it.each([
    ['both pinned', tags, undefined, 'ok', /FALKORDB_IMAGE_TAG=v4\.2\.1/],
    ['one missing', { FALKORDB_IMAGE_TAG: 'v4' }, undefined, 'fail', /GRAPHITI_MCP_IMAGE_TAG not set/],
    ['latest', { ...tags, FALKORDB_IMAGE_TAG: 'latest' }, undefined, 'fail', /FALKORDB_IMAGE_TAG=latest is not a pinned tag/],
    ['invalid', { ...tags, GRAPHITI_MCP_IMAGE_TAG: 'v1 beta' }, undefined, 'fail', /not a valid image tag/],
    ['running matches', tags, 'falkordb/falkordb:v4.2.1', 'ok', /auto-codex-falkordb runs falkordb\/falkordb:v4\.2\.1/],
    ['running differs', tags, 'falkordb/falkordb:v4.0.0', 'warn', /auto-codex-falkordb runs falkordb\/falkordb:v4\.0\.0, configured FALKORDB_IMAGE_TAG=v4\.2\.1/],
  ])('%s', async (_n, env, running, status, message) => {
    const services = running ? { falkordb: fakeService({ image: running }) } : undefined;
    expect(await imageTagsCheck.run(ctx({ env, services }))).toMatchObject({ status, message: expect.stringMatching(message) });
  });
  it('looks at both running services', async () => {
    const services = { falkordb: fakeService({ image: 'falkordb/falkordb:v4.2.1' }), 'graphiti-mcp': fakeService({ name: 'auto-codex-graphiti-mcp', image: 'falkordb/graphiti-knowledge-graph-mcp:1.0.0' }) };
    expect(await imageTagsCheck.run(ctx({ env: tags, services }))).toMatchObject({
      status: 'warn',
      message: 'running image differs from the configured tag: auto-codex-graphiti-mcp runs falkordb/graphiti-knowledge-graph-mcp:1.0.0, configured GRAPHITI_MCP_IMAGE_TAG=1.0.1',
    });
  });
  it('reads tags from refs', () => {
    expect(imageTag('falkordb/falkordb:v4.2.1')).toBe('v4.2.1');
    expect(imageTag('localhost:5000/falkordb')).toBe('latest');
    expect(imageTag('falkordb/falkordb@sha256:abc')).toBeUndefined();
  });
});

describe('falkordb-auth', () => {
  const pw = 'Str0ng-Pass';
  const good = { GRAPHITI_FALKORDB_PASSWORD: pw, REDIS_ARGS: `--appendonly yes --requirepass ${pw}` };
  it.each([
    ['all good, live', good, { authRequired: true }, 'ok', /matches; server refuses unauthenticated PING and accepts the password/],
    ['all good, server down', good, undefined, 'ok', /checked the configuration only/],
    ['legacy FALKORDB_ARGS', { GRAPHITI_FALKORDB_PASSWORD: pw, FALKORDB_ARGS: `--requirepass=${pw}` }, undefined, 'ok', /FALKORDB_ARGS/],
    ['nothing configured', {}, undefined, 'warn', /GRAPHITI_FALKORDB_PASSWORD not set \(recommended for production\); REDIS_ARGS\/FALKORDB_ARGS missing --requirepass/],
    ['nothing configured, production', { AUTO_CODEX_PRODUCTION: 'true' }, undefined, 'fail', /required for production/],
    ['passwords differ', { GRAPHITI_FALKORDB_PASSWORD: pw, REDIS_ARGS: '--requirepass other-pass' }, undefined, 'fail', /differs from GRAPHITI_FALKORDB_PASSWORD/],
    ['server does not enforce auth', good, { authRequired: false }, 'warn', /answers PING without a password/],
    ['server does not enforce auth, enforced', { ...good, AUTO_CODEX_ENFORCE_FALKORDB_AUTH: 'true' }, { authRequired: false }, 'fail', /answers PING without a password/],
    ['server refuses the password', good, { authRequired: true, refusesPassword: true }, 'fail', /refuses the configured password/],
    ['server enforces auth set elsewhere', { GRAPHITI_FALKORDB_PASSWORD: pw }, { authRequired: true }, 'ok', /server refuses unauthenticated PING/],
    ['only FALKORDB_PASSWORD: the backend sends none', { FALKORDB_PASSWORD: pw, REDIS_ARGS: `--requirepass ${pw}` }, { authRequired: true }, 'warn', /only FALKORDB_PASSWORD is set \(env\): .*Python backend reads only GRAPHITI_FALKORDB_PASSWORD/],
    ['only FALKORDB_PASSWORD, production', { AUTO_CODEX_PRODUCTION: 'true', FALKORDB_PASSWORD: pw, REDIS_ARGS: `--requirepass ${pw}` }, { authRequired: true }, 'fail', /only FALKORDB_PASSWORD is set/],
    ['both set: no mismatch', { ...good, FALKORDB_PASSWORD: pw }, { authRequired: true }, 'ok', /matches/],
  ])('%s', async (_n, env, falkor, status, message) => {
    const result = await falkordbAuthCheck.run(ctx({ env, falkor }));
    expect(result).toMatchObject({ status, message: expect.stringMatching(message) });
    expect(JSON.stringify(result)).not.toContain(pw);
  });
});

describe('falkordb-appendonly', () => {
  it.each([
    ['live yes', {}, { config: { appendonly: 'yes' } }, 'ok', /live server/],
    ['live no', {}, { config: { appendonly: 'no' } }, 'warn', /appendonly no on the live server/],
    ['live no, production', { AUTO_CODEX_PRODUCTION: 'true' }, { config: { appendonly: 'no' } }, 'fail', /required for production durability/],
    ['down, args unset', {}, undefined, 'ok', /compose file defaults/],
    ['down, REDIS_ARGS yes', { REDIS_ARGS: '--appendonly yes' }, undefined, 'ok', /REDIS_ARGS/],
    ['down, args without it', { FALKORDB_ARGS: 'THREAD_COUNT 4' }, undefined, 'warn', /missing/],
  ])('%s', async (_n, env, falkor, status, message) => {
    expect(await falkordbAppendonlyCheck.run(ctx({ env, falkor }))).toMatchObject({ status, message: expect.stringMatching(message) });
  });
});

describe('falkordb-live', () => {
  it('answers with the round trip, reports loading, and fails when unreachable', async () => {
    expect(await falkordbLiveCheck.run(ctx({ falkor: {} }))).toMatchObject({ status: 'ok', message: expect.stringMatching(/answered PONG in 0\.4 ms/) });
    expect(await falkordbLiveCheck.run(ctx({ falkor: { info: { loading: '1' } } }))).toMatchObject({ status: 'fail', message: expect.stringMatching(/loading/) });
    await expect(falkordbLiveCheck.run(ctx())).rejects.toThrow(/unreachable/);
  });
});

describe('falkordb-data-mount', () => {
  const atData = [{ type: 'volume', name: 'auto-codex_falkordb_data', destination: '/data' }];
  it.each([
    ['volume at the data dir', undefined, { config: { dir: '/var/lib/falkordb/data' } }, 'ok', /mounted at \/var\/lib\/falkordb\/data/],
    ['volume at /data (the trap)', atData, { config: { dir: '/var/lib/falkordb/data' } }, 'fail', /mounted at \/data but the server writes to \/var\/lib\/falkordb\/data/],
    ['server down: image default dir', atData, undefined, 'fail', /mounted at \/data/],
    ['old image that writes to /data', atData, { config: { dir: '/data' } }, 'ok', /mounted at \/data/],
    ['no mount at all', [], { config: { dir: '/var/lib/falkordb/data' } }, 'fail', /no volume is mounted/],
  ])('%s', async (_n, mounts, falkor, status, message) => {
    const services = { falkordb: fakeService(mounts ? { mounts } : {}) };
    const result = await falkordbDataMountCheck.run(ctx({ services, falkor }));
    expect(result).toMatchObject({ status, message: expect.stringMatching(message) });
    // Recreating the container as a fix would throw away the data in its layer: the hint says so and points at the rescue.
    if (status === 'fail') expect(result.hint).toMatch(/container's own writable layer: recreating the container .* loses it\. Run `autocodex-ops harden falkordb`/);
  });
  it('skips when there is no container or no engine', async () => {
    expect((await falkordbDataMountCheck.run(ctx({ services: {} })).catch((e) => e)).constructor.name).toBe('SkipCheck');
    expect((await falkordbDataMountCheck.run(ctx({ dockerDown: true })).catch((e) => e)).message).toMatch(/Docker engine unavailable/);
  });
});

describe('falkordb-exposure', () => {
  const open = [{ hostIp: '0.0.0.0', hostPort: 6380, containerPort: 6379 }];
  it.each([
    ['loopback', undefined, {}, 'ok'],
    ['all interfaces', open, {}, 'warn'],
    ['all interfaces, production', open, { AUTO_CODEX_PRODUCTION: 'true' }, 'fail'],
    ['ipv6 any', [{ hostIp: '::', hostPort: 6380, containerPort: 6379 }], { AUTO_CODEX_PRODUCTION: 'true' }, 'fail'],
    ['nothing published', [], {}, 'ok'],
  ])('%s', async (_n, ports, env, status) => {
    const services = { falkordb: fakeService(ports ? { ports } : {}) };
    expect((await falkordbExposureCheck.run(ctx({ env, services }))).status).toBe(status);
  });
});

describe('graphiti-mcp-exposure', () => {
  const mcp = (ports: { hostIp: string; hostPort: number; containerPort: number }[]) => ({ 'graphiti-mcp': fakeService({ name: 'auto-codex-graphiti-mcp', ports }) });
  it.each([
    ['loopback', [{ hostIp: '127.0.0.1', hostPort: 8000, containerPort: 8000 }], {}, 'ok', /loopback only \(127\.0\.0\.1:8000->8000\)/],
    ['all interfaces', [{ hostIp: '0.0.0.0', hostPort: 8000, containerPort: 8000 }], {}, 'warn', /Graphiti MCP port published on all interfaces \(0\.0\.0\.0:8000->8000\)/],
    ['all interfaces, production', [{ hostIp: '', hostPort: 8000, containerPort: 8000 }], { AUTO_CODEX_PRODUCTION: 'true' }, 'fail', /0\.0\.0\.0:8000/],
  ])('%s', async (_n, ports, env, status, message) => {
    expect(await graphitiMcpExposureCheck.run(ctx({ env, services: mcp(ports) }))).toMatchObject({ status, message: expect.stringMatching(message) });
  });
  it('skips without the container', async () => {
    expect((await graphitiMcpExposureCheck.run(ctx({ services: {} })).catch((e) => e)).message).toMatch(/no graphiti-mcp container/);
  });
});

describe('containers-health', () => {
  const mcp = (over = {}) => fakeService({ name: 'auto-codex-graphiti-mcp', ...over });
  it.each([
    ['both healthy', { falkordb: fakeService(), 'graphiti-mcp': mcp() }, 'ok', 'auto-codex-falkordb healthy, auto-codex-graphiti-mcp healthy'],
    ['one unhealthy', { falkordb: fakeService({ health: 'unhealthy' }), 'graphiti-mcp': mcp() }, 'fail', 'auto-codex-falkordb unhealthy, auto-codex-graphiti-mcp healthy'],
    ['starting', { falkordb: fakeService(), 'graphiti-mcp': mcp({ health: 'starting' }) }, 'warn', 'auto-codex-falkordb healthy, auto-codex-graphiti-mcp starting'],
    ['no healthcheck', { falkordb: fakeService({ health: 'none' }), 'graphiti-mcp': mcp() }, 'warn', 'auto-codex-falkordb no healthcheck, auto-codex-graphiti-mcp healthy'],
    ['stopped', { falkordb: fakeService({ running: false }), 'graphiti-mcp': mcp() }, 'warn', 'auto-codex-falkordb not running, auto-codex-graphiti-mcp healthy'],
    ['absent', { falkordb: fakeService() }, 'warn', 'auto-codex-falkordb healthy, graphiti-mcp no container'],
  ])('%s', async (_n, services, status, message) => {
    expect(await containersHealthCheck.run(ctx({ services }))).toMatchObject({ status, message });
  });
  it('skips when the engine is down', async () => {
    expect((await containersHealthCheck.run(ctx({ dockerDown: true })).catch((e) => e)).message).toMatch(/Docker engine unavailable/);
  });
});
