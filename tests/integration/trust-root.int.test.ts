import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../helpers/run-program.js';

// Issue 14 §2 with real ownership: this suite runs as root (as cron does) in folders that the
// unprivileged `nobody` (uid 65534) owns, the way a hostile local user would plant them.
const NOBODY = 65534;

describe('root discovery and .env files other users control', () => {
  const base = mkdtempSync(join(tmpdir(), 'aco-trust-'));
  let listener: Server;
  let port = 0;
  const received: string[] = [];

  beforeAll(async () => {
    chmodSync(base, 0o755);
    listener = createServer((s) => s.on('data', (d) => received.push(d.toString())).on('error', () => undefined));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => listener.close(r));
    rmSync(base, { recursive: true, force: true });
  });

  /** A checkout owned by `owner` whose auto-codex/.env points FalkorDB at the listener. */
  function plant(name: string, owner: number, envOwner = owner, envMode = 0o644): string {
    const root = join(base, name);
    mkdirSync(join(root, 'auto-codex'), { recursive: true });
    mkdirSync(join(root, 'work'));
    const env = join(root, 'auto-codex', '.env');
    writeFileSync(env, `GRAPHITI_FALKORDB_HOST=127.0.0.1\nGRAPHITI_FALKORDB_PORT=${port}\nGRAPHITI_FALKORDB_PASSWORD=s3cretpw\n`);
    for (const p of [root, join(root, 'auto-codex'), join(root, 'work')]) chownSync(p, owner, owner);
    chownSync(env, envOwner, envOwner);
    chmodSync(env, envMode);
    return root;
  }
  const env = { AUTOCODEX_OPS_AUDIT_LOG: join(base, 'audit.jsonl') };

  it('refuses a discovered root that another user owns (exit 2, names it, says how to trust it); nothing is sent', async () => {
    const root = plant('hostile', NOBODY);
    const run = await runProgram(['healthcheck', '--json', '--only', 'falkordb-auth'], { cwd: join(root, 'work'), env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Refusing the Auto-Codex root ${root}`);
    expect(run.stderr).toContain('owned by uid 65534');
    expect(run.stderr).toMatch(/--root <dir>/);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual([]);
  });

  it('refuses a .env another user owns or may write, even inside a root-owned checkout', async () => {
    const byNobody = plant('env-nobody', 0, NOBODY);
    const run = await runProgram(['config', '--json'], { cwd: join(byNobody, 'work'), env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Refusing the settings file ${join(byNobody, 'auto-codex', '.env')}: it is owned by uid 65534`);
    const worldWritable = plant('env-o+w', 0, 0, 0o666);
    const run2 = await runProgram(['config', '--json'], { cwd: join(worldWritable, 'work'), env });
    expect(run2.code).toBe(2);
    expect(run2.stderr).toContain('it is writable by every user');
    const groupWritable = plant('env-g+w', 0, 0, 0o664);
    chownSync(join(groupWritable, 'auto-codex', '.env'), 0, NOBODY);
    const run3 = await runProgram(['config', '--json'], { cwd: join(groupWritable, 'work'), env });
    expect(run3.code).toBe(2);
    expect(run3.stderr).toContain(`it is writable by group ${NOBODY}`);
  });

  it('an explicit --root trusts that folder\'s owner', async () => {
    const root = plant('trusted', NOBODY);
    const run = await runProgram(['config', '--json', '--root', root], { env });
    expect(run.code, run.stderr).toBe(0);
    const rows = JSON.parse(run.stdout).variables ?? JSON.parse(run.stdout);
    expect(JSON.stringify(rows)).toContain(String(port));
    const viaEnv = await runProgram(['config', '--json'], { cwd: join(root, 'work'), env: { ...env, AUTO_CODEX_ROOT: root } });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
  });

  it('a --root that does not exist is exit 2 and creates nothing', async () => {
    const missing = join(base, 'typo');
    const run = await runProgram(['backup', 'userdata', '--root', missing, '--userdata-dir', join(base, 'none')], { env: { AUTOCODEX_OPS_AUDIT_LOG: undefined } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`The root folder ${missing} (from --root) does not exist`);
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(base)).not.toContain('typo');
  });

  it('says which folder it uses when no checkout is found', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'aco-plain-'));
    try {
      const run = await runProgram(['config', '--json'], { cwd: plain, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`using ${plain} as the root`);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
