// Healthcheck wall time: all services up (target < 1 s), and FalkorDB hung (bounded by --timeout).
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, docker, median, ms, run, spread } from './lib.mjs';
import { createVolume, labelArgs, NAME, tempDir } from './resources.mjs';
import { FALKOR_IMAGE } from './target.mjs';

const MCP_IMAGE = 'falkordb/graphiti-knowledge-graph-mcp:autocodex-ops-standin';

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * benchHealthcheck starts a stand-in stack (FalkorDB with AOF and a password, Graphiti MCP), times
 * the binary's healthcheck with everything up, then with FalkorDB hung (a TCP server that accepts
 * and never answers). Its containers and volume carry the bench's label (resources.mjs).
 */
export async function benchHealthcheck({ binary, runs, timeoutMs = 2000, checkInterrupted = () => undefined }) {
  const id = `${NAME}-hc`;
  const [fport, mport] = [await freePort(), await freePort()];
  const password = `bench-${process.pid}-pw`;
  const root = tempDir('hc-root');
  mkdirSync(join(root, 'auto-codex'));
  writeFileSync(join(root, 'auto-codex', '.env'), 'OPENAI_API_KEY=sk-bench-not-a-real-key-0000\n');
  const labels = (service) => ['--label', `com.docker.compose.project=${id}`, '--label', `com.docker.compose.service=${service}`, ...labelArgs];
  const hung = createServer((socket) => socket.on('error', () => undefined));
  try {
    await createVolume(`${id}-data`);
    await docker('run', '-d', '--name', `${id}-falkordb`, ...labels('falkordb'), '-e', `REDIS_ARGS=--appendonly yes --requirepass ${password}`,
      '-v', `${id}-data:/var/lib/falkordb/data`, '-p', `127.0.0.1:${fport}:6379`, FALKOR_IMAGE);
    await docker('run', '-d', '--name', `${id}-mcp`, ...labels('graphiti-mcp'), '-p', `127.0.0.1:${mport}:8000`, MCP_IMAGE);
    const env = {
      ...process.env,
      AUTO_CODEX_ROOT: root,
      GRAPHITI_ENABLED: 'true',
      COMPOSE_PROJECT_NAME: id,
      FALKORDB_CONTAINER_NAME: `${id}-falkordb`,
      GRAPHITI_MCP_CONTAINER_NAME: `${id}-mcp`,
      GRAPHITI_FALKORDB_HOST: '127.0.0.1',
      GRAPHITI_FALKORDB_PORT: String(fport),
      GRAPHITI_MCP_PORT: String(mport),
      GRAPHITI_FALKORDB_PASSWORD: password,
      REDIS_ARGS: `--appendonly yes --requirepass ${password}`,
      FALKORDB_IMAGE_TAG: 'autocodex-ops-standin',
      GRAPHITI_MCP_IMAGE_TAG: 'autocodex-ops-standin',
    };
    for (let i = 0; i < 50; i++) {
      const probe = await run(binary, ['healthcheck', '--json', '--only', 'falkordb-live,graphiti-mcp-live'], { env });
      if (probe.code === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => hung.listen(0, '127.0.0.1', r));
    const hungEnv = { ...env, GRAPHITI_FALKORDB_PORT: String(hung.address().port) };
    const args = ['healthcheck', '--json', '--timeout', String(timeoutMs)];
    let lastUp;
    const samples = await alternate(
      [
        { name: 'up', once: async () => { const r = await run(binary, args, { env }); lastUp = r; return r.ms; } },
        { name: 'hung', once: async () => (await run(binary, args, { env: hungEnv })).ms },
      ],
      runs,
      { between: async () => checkInterrupted() },
    );
    const upChecks = JSON.parse(lastUp.stdout).checks;
    const slowest = [...upChecks].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((c) => `${c.id} ${c.durationMs} ms`);
    return {
      up: { medianMs: median(ms(samples.up)), spreadPct: spread(ms(samples.up)), runs: ms(samples.up), slowest },
      hung: { medianMs: median(ms(samples.hung)), spreadPct: spread(ms(samples.hung)), runs: ms(samples.hung), timeoutMs },
    };
  } finally {
    hung.close();
    // Removed here already so the next sections run on a quiet engine; cleanup() would do it at the end.
    await run('docker', ['rm', '-f', '-v', `${id}-falkordb`, `${id}-mcp`]);
    await run('docker', ['volume', 'rm', '-f', `${id}-data`]);
  }
}
