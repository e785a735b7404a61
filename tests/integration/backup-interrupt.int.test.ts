import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN } from '../helpers/docker.js';

// Ctrl-C in the middle of `backup falkordb`, on the built bundle in a child process (cli.ts owns
// the signal handling): exit 130, no partial file, and what the mode changed is put back.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'it-interrupt-pw-41';

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('backup falkordb interrupted', () => {
  const env = new DockerTestEnv();
  let bundle: string;
  let name: string;
  let port: number;
  let redis: Redis;
  let volume: string;
  const root = mkdtempSync(join(tmpdir(), 'aco-int-sig-'));

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    const out = mkdtempSync(join(tmpdir(), 'aco-bundle-'));
    await execa(process.execPath, [join(REPO, 'scripts/build.mjs'), '--bundle-only', '--out', out], { cwd: REPO });
    bundle = join(out, 'cli.cjs');
    volume = await env.createVolume('data');
    name = env.uniqueName('falkordb');
    const c = await env.docker.createContainer({
      name,
      Image: FALKORDB_STANDIN,
      Labels: env.label,
      Env: [`REDIS_ARGS=--requirepass ${PASSWORD} --appendonly yes`],
      ExposedPorts: { '6379/tcp': {} },
      HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
    });
    await c.start();
    port = Number((await c.inspect()).NetworkSettings.Ports['6379/tcp']?.[0]?.HostPort);
    redis = new Redis({ host: '127.0.0.1', port, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    for (let i = 0; i < 100; i += 1) {
      if (await redis.connect().then(() => true, () => false)) break;
      await delay(100);
    }
    // Enough incompressible data that the copy takes a while: 8 × 16 MB values.
    for (let i = 0; i < 8; i += 1) await redis.set(`blob:${i}`, randomBytes(16 * 1024 * 1024));
  });

  afterAll(async () => {
    redis?.disconnect();
    await env.cleanup();
  });

  async function interrupt(mode: 'save' | 'stop', out: string) {
    const child = execa(process.execPath, [bundle, 'backup', 'falkordb', '--mode', mode, '--root', root, '--output-dir', out], {
      reject: false,
      env: { FALKORDB_CONTAINER_NAME: name, COMPOSE_PROJECT_NAME: env.uniqueName('none'), GRAPHITI_FALKORDB_HOST: '127.0.0.1', GRAPHITI_FALKORDB_PORT: String(port), GRAPHITI_FALKORDB_PASSWORD: PASSWORD, NO_COLOR: '1' },
    });
    // Interrupt once the temporary archive exists: the copy is under way.
    const seen = () => {
      try {
        return readdirSync(out).some((n) => n.includes('.tmp-'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 600 && !seen(); i += 1) await delay(20);
    expect(seen()).toBe(true);
    child.kill('SIGINT');
    return child;
  }

  it('save mode: exit 130, no partial file, auto-aof-rewrite-percentage put back', async () => {
    await redis.config('SET', 'auto-aof-rewrite-percentage', '55');
    const out = join(root, 'save');
    const res = await interrupt('save', out);
    expect(res.exitCode, res.stderr).toBe(130);
    expect(res.stderr).toContain('Received SIGINT');
    expect(res.stdout).toBe('');
    expect(readdirSync(out)).toEqual([]);
    expect(await redis.config('GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '55']);
    const helpers = await env.docker.listContainers({ all: true, filters: { label: ['autocodex-ops.helper=1'], volume: [volume] } });
    expect(helpers).toEqual([]);
  });

  it('stop mode: exit 130, no partial file, FalkorDB running again', async () => {
    const out = join(root, 'stop');
    const res = await interrupt('stop', out);
    expect(res.exitCode, res.stderr).toBe(130);
    expect(readdirSync(out)).toEqual([]);
    expect((await env.docker.getContainer(name).inspect()).State.Running).toBe(true);
  });
});
