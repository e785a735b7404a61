import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrerequisiteError } from '../../src/core/errors.js';
import { detectCompose } from '../../src/core/docker/compose.js';
import { findFalkorDbContainer, findGraphitiMcpContainer } from '../../src/core/docker/containers.js';
import { findDataVolume } from '../../src/core/docker/data-volume.js';
import { createDockerApi, type DockerApi } from '../../src/core/docker/docker.js';
import { engineVersion, pingEngine } from '../../src/core/docker/engine.js';
import { stopContainers } from '../../src/core/docker/stop-start.js';
import { ContainerNotReadyError, waitHealthy } from '../../src/core/docker/wait-healthy.js';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, GRAPHITI_STANDIN, dockerInputs } from '../helpers/docker.js';

// The Docker port against the real engine (engine 20.10 here) with the local stand-in images.

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('Docker port on a real engine', () => {
  const env = new DockerTestEnv();
  let api: DockerApi;
  let imagesBefore: string[];
  const started = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    imagesBefore = (await env.docker.listImages()).map((i) => i.Id).sort();
    api = await createDockerApi({ inputs: dockerInputs({}) });
  });

  afterAll(async () => {
    await env.cleanup();
  });

  it('pings the engine and reads its version', async () => {
    await pingEngine(api);
    const version = await engineVersion(api);
    expect(version.version).toMatch(/^\d+\.\d+/);
    expect(version.apiVersion).toMatch(/^1\.\d+$/);
    expect(api.endpoint).toBe('unix:///var/run/docker.sock');
  });

  it('reaches the engine through the current Docker context (as colima/OrbStack users have it)', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'aco-docker-config-'));
    const hash = createHash('sha256').update('aco-test').digest('hex');
    mkdirSync(join(configDir, 'contexts', 'meta', hash), { recursive: true });
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ currentContext: 'aco-test' }));
    writeFileSync(
      join(configDir, 'contexts', 'meta', hash, 'meta.json'),
      JSON.stringify({ Name: 'aco-test', Metadata: {}, Endpoints: { docker: { Host: 'unix:///var/run/docker.sock', SkipTLSVerify: false } } }),
    );
    try {
      const viaContext = await createDockerApi({ inputs: dockerInputs({ DOCKER_CONFIG: configDir }) });
      expect(viaContext.endpoint).toBe('unix:///var/run/docker.sock (docker context aco-test)');
      await pingEngine(viaContext);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  it('reports an unreachable engine as PrerequisiteError (exit 10), fast', async () => {
    const unreachable = await createDockerApi({ inputs: dockerInputs({ DOCKER_HOST: 'unix:///nonexistent.sock' }) });
    const t0 = Date.now();
    const error = (await pingEngine(unreachable).catch((e: unknown) => e)) as PrerequisiteError;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect(error.exitCode).toBe(10);
    expect(error.message).toMatch(/^Docker engine is not reachable at unix:\/\/\/nonexistent\.sock \(DOCKER_HOST\): ENOENT/);
    expect(error.hint).toContain('DOCKER_HOST');
    // Any other call fails the same way, not with a raw socket error.
    await expect(unreachable.listContainers({ name: 'x' })).rejects.toBeInstanceOf(PrerequisiteError);
  });

  it('finds FalkorDB by compose labels before the same-named plain container, and by exact name', async () => {
    const project = `aco-test-${env.runId}`;
    const plainName = env.uniqueName('auto-codex-falkordb');
    const plain = await env.createFalkorContainer({ name: plainName, start: false });
    await env.createFalkorContainer({ name: `${plainName}-decoy`, start: false });
    const composed = await env.createFalkorContainer({ compose: { project, service: 'falkordb' }, start: false });

    const byLabel = await findFalkorDbContainer(api, { project, containerName: plainName });
    expect(byLabel).toMatchObject({ matchedBy: 'labels', container: { id: composed.id, running: false, state: 'created' } });

    const byName = await findFalkorDbContainer(api, { project: `${project}-none`, containerName: plainName });
    expect(byName).toMatchObject({ matchedBy: 'name', container: { id: plain.id, name: plainName, image: FALKORDB_STANDIN } });
    expect(byName?.container.imageId).toMatch(/^sha256:/);
    expect(byName?.container.env.get('FALKORDB_DATA_PATH')).toBe('/var/lib/falkordb/data');
    expect(JSON.stringify(byName)).not.toContain('MAX_QUEUED_QUERIES');

    expect(await findGraphitiMcpContainer(api, { project, containerName: env.uniqueName('absent') })).toBeUndefined();
  });

  it('takes the data volume from the mounts and reports the destination', async () => {
    const volume = await env.createVolume();
    const modern = await env.createFalkorContainer({ volume, mountAt: '/var/lib/falkordb/data', start: false });
    const legacy = await env.createFalkorContainer({ volume, mountAt: '/data', start: false });
    const modernInfo = await api.inspectContainer(modern.id);
    const legacyInfo = await api.inspectContainer(legacy.id);
    expect(await findDataVolume(api, { container: modernInfo, configuredName: 'ignored' })).toMatchObject({
      from: 'mount',
      name: volume,
      destination: '/var/lib/falkordb/data',
      exists: true,
    });
    expect(await findDataVolume(api, { container: legacyInfo })).toMatchObject({ name: volume, destination: '/data' });
    const missing = env.uniqueName('missing');
    expect(await findDataVolume(api, { configuredName: missing })).toMatchObject({ from: 'config', name: missing, exists: false });
    expect(await env.volumeExists(missing)).toBe(false);
  });

  it('stops only running containers and the undo restarts exactly those, in order', async () => {
    const falkor = await env.createFalkorContainer({});
    const mcp = await env.createFalkorContainer({ image: GRAPHITI_STANDIN, name: env.uniqueName('mcp') });
    const idle = await env.createFalkorContainer({});
    await env.docker.getContainer(idle.id).stop({ t: 1 });

    const result = await stopContainers(api, [falkor.id, idle.id, mcp.id], { timeoutSeconds: 2 });
    expect(result.stopped).toEqual([falkor.id, mcp.id]);
    expect(result.skipped).toEqual([idle.id]);
    for (const c of [falkor, mcp, idle]) expect((await api.inspectContainer(c.id))?.running).toBe(false);

    await result.undo();
    const after = await Promise.all([falkor, mcp, idle].map((c) => api.inspectContainer(c.id)));
    expect(after.map((c) => c?.running)).toEqual([true, true, false]);
    const startedAt = after.slice(0, 2).map((c) => Date.parse(c!.startedAt!));
    expect(startedAt[0]).toBeLessThanOrEqual(startedAt[1]!);
  });

  it('waitHealthy resolves on the stand-in with a redis-cli healthcheck, and without one', async () => {
    const healthy = await env.createFalkorContainer({ healthcheck: 'redis' });
    const result = await waitHealthy(api, healthy.id, { timeoutMs: 60_000, pollMs: 250 });
    expect(result).toMatchObject({ status: 'healthy', container: { health: 'healthy', running: true } });

    const plain = await env.createFalkorContainer({});
    expect(await waitHealthy(api, plain.id, { timeoutMs: 10_000, pollMs: 250 })).toMatchObject({ status: 'running-no-healthcheck' });
  });

  it('waitHealthy fails on unhealthy and exited containers with demultiplexed logs in error.logs', async () => {
    const sick = await env.createFalkorContainer({ healthcheck: 'failing' });
    const unhealthy = (await waitHealthy(api, sick.id, { timeoutMs: 60_000, pollMs: 250 }).catch((e: unknown) => e)) as ContainerNotReadyError;
    expect(unhealthy).toBeInstanceOf(ContainerNotReadyError);
    expect(unhealthy.reason).toBe('unhealthy');
    expect(unhealthy.logs).toMatch(/Ready to accept connections/);
    expect(unhealthy.logs).not.toMatch(/[\x00-\x08]/);

    // With a healthcheck the container reads as `starting` until it exits, so the outcome does not
    // depend on how fast it crashes (without one, a still-running container counts as ready).
    const crashed = await env.createFalkorContainer({ cmd: ['bogus'], healthcheck: 'redis' });
    const exited = (await waitHealthy(api, crashed.id, { timeoutMs: 30_000, pollMs: 250 }).catch((e: unknown) => e)) as ContainerNotReadyError;
    expect(exited).toMatchObject({ reason: 'exited', message: expect.stringContaining('exited with code 64') });
    expect(exited.logs).toContain('set the entrypoint');
  });

  it('detects a compose CLI on this machine', async () => {
    const compose = await detectCompose();
    expect(compose?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect([['docker', 'compose'], ['docker-compose']]).toContainEqual(compose?.command);
  });

  it('pulled no image', async () => {
    // The engine's pull events are the proof; the image list only shows none went missing (other
    // test files on the same engine may commit images of their own meanwhile).
    expect((await env.docker.listImages()).map((i) => i.Id)).toEqual(expect.arrayContaining(imagesBefore));
    const events = await pullEvents(env, started);
    expect(events).toEqual([]);
  });

  it('what support-bundle reads: raw inspect with the environment, restart count, timestamped logs, a volume\'s size', async () => {
    const volume = await env.createVolume();
    await env.fillVolume(volume, { 'payload.bin': Buffer.alloc(300_000, 7) });
    const c = await env.docker.createContainer({
      name: env.uniqueName('sb'),
      Image: GRAPHITI_STANDIN,
      Env: ['SB_MARK=value-1'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo first; echo second; exec sleep 600'],
      Labels: env.label,
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v' }] },
    });
    await c.start();
    for (let i = 0; i < 50 && !(await api.containerLogs(c.id, { tail: 5 })).includes('second'); i += 1) await new Promise((r) => setTimeout(r, 100));
    const raw = (await api.inspectContainerRaw(c.id)) as { Config: { Env: string[] } };
    expect(raw.Config.Env).toContain('SB_MARK=value-1');
    expect(await api.inspectContainerRaw('aco-no-such-container')).toBeUndefined();
    expect((await api.inspectContainer(c.id))?.restartCount).toBe(0);
    expect(await api.containerLogs(c.id, { tail: 1, timestamps: true })).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z second\n$/);
    expect(await api.containerLogs(c.id, { tail: 2 })).toBe('first\nsecond\n');
    expect(await api.volumeSize(volume)).toBeGreaterThanOrEqual(300_000);
    expect(await api.volumeSize('aco-no-such-volume')).toBeUndefined();
  });
});

async function pullEvents(env: DockerTestEnv, since: number): Promise<unknown[]> {
  const stream = await env.docker.getEvents({
    since,
    until: Math.floor(Date.now() / 1000) + 1,
    filters: { type: ['image'], event: ['pull'] },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}
