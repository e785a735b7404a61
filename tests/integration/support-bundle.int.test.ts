import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerTestEnv, ensureStandinImages, FALKORDB_STANDIN, GRAPHITI_STANDIN } from '../helpers/docker.js';
import { runProgram } from '../helpers/run-program.js';

// Issue 18's leak test: a secret planted in every source the bundle reads (container env, logs and
// command line, main.log, task logs, .env files, settings, the audit trail, healthcheck messages),
// known values and pattern-shaped ones, must not appear in any byte of the decompressed bundle.

const PW = 'Falkor-Pass-7Q2x9';
const SECRETS = {
  falkorPassword: PW,
  envOnlyKey: 'voyage-only-in-dotenv-8c1f0e',
  ctrEnv: 'only-in-container-env-5d2a91',
  openai: 'sk-proj-LEAKTEST0123456789abcdef',
  anthropic: 'sk-ant-LEAKTEST0123456789abcdef',
  github: 'ghp_LEAKTEST0123456789abcdefABCDEF',
  linear: 'lin_api_LEAKTEST0123456789abcdef',
  bearer: 'bearer-token-LEAKTEST-42',
  jsonKey: 'json-field-secret-LEAKTEST',
  settingsPlain: 'plaintext-settings-key-LEAKTEST',
  settingsEnc: 'enc:TEVBS1RFU1RFTkNSWVBURUQ=',
  urlCred: 'url-cred-LEAKTEST-99',
  providerAsKey: 'sk-LEAKTESTPROVIDER0123456789',
};

async function allBytes(archive: string): Promise<Buffer> {
  return gunzipSync(await readFile(archive));
}

describe.skipIf(process.env.AUTOCODEX_OPS_DOCKER_TESTS !== '1')('support-bundle on the real engine', () => {
  const env = new DockerTestEnv();
  const cleanup: string[] = [];
  let base: string;
  let root: string;
  let userdata: string;
  let project: string;
  let composeProject: string;

  beforeAll(async () => {
    await ensureStandinImages(env.docker);
    base = await mkdtemp(join(tmpdir(), 'sb-int-'));
    cleanup.push(base);
    root = join(base, 'root');
    userdata = join(base, 'userdata');
    project = join(base, 'my-project');
    composeProject = env.uniqueName('proj');

    await mkdir(join(root, 'auto-codex'), { recursive: true });
    await writeFile(join(root, 'auto-codex', '.env'), `GRAPHITI_FALKORDB_PASSWORD=${PW}\nOPENAI_API_KEY=${SECRETS.openai}\nVOYAGE_API_KEY=${SECRETS.envOnlyKey}\n`);
    await writeFile(join(root, '.env'), `REDIS_ARGS=--appendonly yes --requirepass ${PW}\nFALKORDB_IMAGE_TAG=autocodex-ops-standin\nGRAPHITI_MCP_IMAGE_TAG=autocodex-ops-standin\n`);
    // The audit trail: an app-format line whose command carries secrets in clear (that format is never redacted by the app).
    await mkdir(join(root, 'logs'), { recursive: true });
    await writeFile(join(root, 'logs', 'autocodex-ops-audit.jsonl'), `2024-05-01T10:00:00|ALLOWED|bash|ok|redis-cli -a ${PW} --token ${SECRETS.github} ping\n`);

    await mkdir(join(userdata, 'logs'), { recursive: true });
    await mkdir(join(userdata, 'store'), { recursive: true });
    await writeFile(join(userdata, 'logs', 'main.log'), `[2024-05-01T10:00:00Z] [log] connecting to redis://default:${SECRETS.urlCred}@localhost:6380 with ${PW}\n[2024-05-01T10:00:01Z] [error] Authorization: Bearer ${SECRETS.bearer}\n[x] [log] key ${SECRETS.anthropic}\n`);
    await writeFile(join(userdata, 'settings.json'), JSON.stringify({ riskPolicy: 'standard', globalOpenAIApiKey: SECRETS.settingsEnc, globalGroqApiKey: SECRETS.settingsPlain }));
    await writeFile(join(userdata, 'store', 'projects.json'), JSON.stringify({ projects: [{ id: '1', name: 'p', path: project }, { id: '2', name: 'gone', path: join(base, 'gone-project') }] }));
    const spec = join(project, '.auto-codex', 'specs', '001-feature');
    await mkdir(join(spec, 'logs'), { recursive: true });
    await writeFile(join(spec, 'task_logs.json'), JSON.stringify({ spec_id: '001', phases: { coding: { entries: [{ content: `used ${SECRETS.linear}`, tool_input: { api_key: SECRETS.jsonKey } }] } } }));
    await writeFile(join(spec, 'logs', 'session-1.log'), `password=${PW} and ${SECRETS.ctrEnv}\n`);
    await writeFile(join(project, '.auto-codex', '.env'), `LINEAR_API_KEY=${SECRETS.linear}\n`);

    const volume = await env.createVolume();
    const falkor = await env.docker.createContainer({
      name: env.uniqueName('falkordb'),
      Image: FALKORDB_STANDIN,
      Env: [`REDIS_ARGS=--appendonly yes --requirepass ${PW}`, `SOME_SETTING=${SECRETS.ctrEnv}`, 'TZ=UTC'],
      Labels: { ...env.label, 'com.docker.compose.project': composeProject, 'com.docker.compose.service': 'falkordb' },
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/falkordb/data' }] },
    });
    await falkor.start();
    // Graphiti's stand-in prints secrets into its log: env values, a known password and pattern-shaped keys.
    const graphiti = await env.docker.createContainer({
      name: env.uniqueName('graphiti'),
      Image: GRAPHITI_STANDIN,
      Env: [`OPENAI_API_KEY=${SECRETS.openai}`, `MY_VALUE=${SECRETS.ctrEnv}`],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [`echo "start with $MY_VALUE and ${PW}"; echo "key ${SECRETS.github}"; echo "Authorization: Bearer ${SECRETS.bearer}"; echo "env $OPENAI_API_KEY"; exec sleep 600`],
      Labels: { ...env.label, 'com.docker.compose.project': composeProject, 'com.docker.compose.service': 'graphiti-mcp' },
    });
    await graphiti.start();
    // Wait until the log lines are there.
    for (let i = 0; i < 50; i += 1) {
      const logs = (await graphiti.logs({ stdout: true, stderr: true })).toString();
      if (logs.includes('env ')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await env.cleanup();
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
  });

  const runEnv = (extra: Record<string, string> = {}) => ({
    AUTO_CODEX_ROOT: root,
    USERDATA_DIR: userdata,
    COMPOSE_PROJECT_NAME: composeProject,
    GRAPHITI_ENABLED: 'true',
    GRAPHITI_LLM_PROVIDER: SECRETS.providerAsKey,
    AUTOCODEX_OPS_AUDIT_LOG: join(root, 'logs', 'autocodex-ops-audit.jsonl'),
    PATH: process.env.PATH ?? '',
    ...extra,
  });

  it('collects every source and no planted secret appears in any byte of the bundle or the output', async () => {
    const out = join(base, 'out');
    await mkdir(out);
    const run = await runProgram(['support-bundle', '--output', out, '--tail', '50', '--json'], { env: runEnv(), cwd: base });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { bundle: string; bytes: number; parts: Array<{ name: string; source: string; bytes: number; masked: number; skipped?: string }> };
    expect(doc.bundle).toMatch(new RegExp(`^${out}/autocodex-support_\\d{8}_\\d{6}\\.tar\\.gz$`));
    expect((await stat(doc.bundle)).mode & 0o777).toBe(0o600);
    expect(doc.bytes).toBe((await stat(doc.bundle)).size);
    const names = doc.parts.filter((p) => !p.skipped).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining([
      'index.md', 'versions.txt', 'healthcheck.json', 'config.txt', 'docker/falkordb.json', 'docker/falkordb.log', 'docker/graphiti-mcp.json',
      'docker/graphiti-mcp.log', 'app/logs/main.log', 'app/settings.json', 'app/files.txt', 'projects/my-project/001-feature/task_logs.json',
      'projects/my-project/001-feature/logs/session-1.log', 'audit/trail.jsonl', 'audit/verify.txt', 'disk.txt',
    ]));
    expect(doc.parts.find((p) => p.name === 'projects/gone-project/')?.skipped).toMatch(/^not found/);
    expect(run.stderr).toContain('1 part(s) could not be collected');

    const bytes = await allBytes(doc.bundle);
    for (const [what, secret] of Object.entries(SECRETS)) {
      expect(bytes.includes(Buffer.from(secret)), `${what} leaked into the bundle`).toBe(false);
      expect(run.stdout + run.stderr, `${what} leaked into the output`).not.toContain(secret);
    }
    // The masking did happen where the secrets were, and the evidence is still there.
    const into = join(base, 'x');
    await mkdir(into);
    await execa('tar', ['-xzf', doc.bundle, '-C', into]);
    const [top] = await readdir(into);
    const read = (name: string) => readFile(join(into, top!, name), 'utf8');
    expect(await read('docker/graphiti-mcp.log')).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z start with \*\*\* and \*\*\*$/m);
    const falkorDoc = JSON.parse(await read('docker/falkordb.json')) as { state: string; restartCount: number; inspect: { Config: { Env: string[] } } };
    expect(falkorDoc).toMatchObject({ state: 'running', restartCount: 0 });
    expect(falkorDoc.inspect.Config.Env).toEqual(expect.arrayContaining(['REDIS_ARGS=***', 'TZ=UTC']));
    expect(JSON.parse(await read('app/settings.json'))).toEqual({ riskPolicy: 'standard', globalOpenAIApiKey: '***', globalGroqApiKey: '***' });
    expect(await read('disk.txt')).toMatch(/FalkorDB data volume: aco-test-.*, .*bytes\)/);
    expect(await read('versions.txt')).toMatch(/Docker engine: \S+ \(API [\d.]+\)/);
    expect(doc.parts.find((p) => p.name === 'app/logs/main.log')?.masked).toBeGreaterThanOrEqual(4);
    const index = await read('index.md');
    for (const name of names.filter((n) => n !== 'index.md')) expect(index).toContain(`| ${name} |`);
  });

  it('Docker down: the bundle is still written, the failure recorded, exit 0 with a warning; a 300 MB log is cut to --max-size', async () => {
    const huge = join(userdata, 'logs', 'main-2024-01-01T00-00-00-000Z.log');
    const line = Buffer.from(`[2024-01-01T00:00:00Z] [log] a line of an old log that goes on for a while ${PW}\n`);
    const block = Buffer.concat(Array.from({ length: Math.ceil((1024 * 1024) / line.length) }, () => line));
    await writeFile(huge, '');
    const { open } = await import('node:fs/promises');
    const fh = await open(huge, 'a');
    for (let written = 0; written < 300 * 1024 * 1024; written += block.length) await fh.write(block);
    await fh.close();
    const hugeBytes = (await stat(huge)).size;
    try {
      const out = join(base, 'down.tar.gz');
      const run = await runProgram(['support-bundle', '--output', out, '--max-size', '20MB', '--json'], { env: runEnv({ DOCKER_HOST: `unix://${join(base, 'no-engine.sock')}` }), cwd: base });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/"level":"warn".*\d+ part\(s\) could not be collected \(docker\/,/);
      const doc = JSON.parse(run.stdout) as { bundle: string; parts: Array<{ name: string; bytes: number; skipped?: string; truncatedFrom?: number }> };
      expect(doc.bundle).toBe(out);
      expect(doc.parts.find((p) => p.name === 'docker/')?.skipped).toMatch(/^failed: Docker engine is not reachable/);
      const cut = doc.parts.find((p) => p.name === 'app/logs/main-2024-01-01T00-00-00-000Z.log')!;
      expect(cut.truncatedFrom).toBe(hugeBytes);
      const content = doc.parts.reduce((n, p) => n + p.bytes, 0);
      expect(content).toBeLessThanOrEqual(20_000_000);
      expect(cut.bytes).toBeGreaterThan(15_000_000);
      const bytes = await allBytes(out);
      expect(bytes.includes(Buffer.from(PW))).toBe(false);
      expect(bytes.toString('latin1')).toContain('Docker engine is not reachable');
    } finally {
      await rm(huge, { force: true });
    }
  });
});
