import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { auditPolicyFor, commandPath } from '../../../../src/core/audit/policy.js';
import { attachAudit, createApp, type App } from '../../../../src/app.js';
import type { AuditSessionDeps } from '../../../../src/core/audit/session.js';
import { verifyAuditTrail } from '../../../../src/core/audit/verify.js';
import { createContext, type GlobalOptions } from '../../../../src/context.js';
import { InterruptedError, OpsError, PrerequisiteError } from '../../../../src/core/errors.js';
import { exitCodeFor } from '../../../../src/error-report.js';
import type { Runtime } from '../../../../src/runtime.js';

type Behaviour = (ctx: ReturnType<typeof createContext>) => Promise<void> | void;

/**
 * A stand-in program with the audited command paths. Each action builds the real context, loads
 * the config (unless told not to) and runs `behave` — so the wiring through context.ts is real.
 */
function program(app: App, behave: Behaviour, loadConfig = true): Command {
  const root = new Command('autocodex-ops').option('--root <dir>').option('--json').exitOverride();
  const leaf = (name: string) =>
    new Command(name)
      .argument('[words...]')
      .allowUnknownOption()
      .option('--profile <p>')
      .exitOverride()
      .action(async (_words: string[], raw: { profile?: string }, cmd: Command) => {
        const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), app, name);
        if (loadConfig) await ctx.config(raw.profile ? { AUTO_CODEX_PRODUCTION: { value: String(raw.profile === 'production'), flag: '--profile' } } : {});
        await behave(ctx);
      });
  const backup = new Command('backup').exitOverride();
  for (const sub of ['falkordb', 'userdata', 'list', 'verify', 'prune']) backup.addCommand(leaf(sub));
  root.addCommand(backup);
  for (const name of ['healthcheck', 'lock-deps', 'config']) root.addCommand(leaf(name));
  const restore = new Command('restore').exitOverride();
  restore.addCommand(leaf('falkordb'));
  root.addCommand(restore);
  return root;
}

interface World {
  root: string;
  trail: string;
  stderr: () => string;
  run(args: string[], behave?: Behaviour, opts?: { env?: Record<string, string>; loadConfig?: boolean; deps?: Partial<AuditSessionDeps>; abort?: boolean }): Promise<number>;
  records(): Promise<Record<string, unknown>[]>;
}

async function world(): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), 'aco-audit-root-'));
  await mkdir(join(root, 'auto-codex'));
  await writeFile(join(root, 'auto-codex', '.env'), 'GRAPHITI_FALKORDB_PASSWORD=Falkor-Secret-77\n');
  const trail = join(root, 'logs', 'autocodex-ops-audit.jsonl');
  let stderr = '';
  let clock = Date.parse('2025-02-01T10:00:00Z');
  return {
    root,
    trail,
    stderr: () => stderr,
    async run(args, behave = () => undefined, opts = {}) {
      const controller = new AbortController();
      const runtime: Runtime = {
        env: opts.env ?? {},
        cwd: root,
        home: root,
        platform: 'linux',
        stdout: { write: () => true },
        stderr: { write: (s: string) => (stderr += s) },
        stdinIsTTY: false,
    prompt: async () => '',
        signal: controller.signal,
      };
      const app = createApp(runtime, args, {
        version: '9.9.9',
        now: () => new Date((clock += 1500)),
        identity: () => ({ user: 'alice', host: 'ops-box', pid: 4242 }),
        ...opts.deps,
      });
      let code = 0;
      let failure: unknown;
      try {
        await attachAudit(program(app, async (ctx) => {
          if (opts.abort) controller.abort();
          await behave(ctx);
        }, opts.loadConfig), app.audit).parseAsync(['node', 'autocodex-ops', ...args]);
      } catch (err) {
        failure = err;
        code = exitCodeFor(err);
        code = controller.signal.aborted && code !== 0 ? 130 : code;
      }
      return app.audit.finish(code, failure);
    },
    async records() {
      try {
        return (await readFile(trail, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
  };
}

describe('audit policy', () => {
  it.each([
    ['backup falkordb', 'always'],
    ['backup userdata', 'always'],
    ['backup prune', 'always'],
    ['backup list', 'never'],
    ['backup verify', 'never'],
    ['restore falkordb', 'always'],
    ['rollback images', 'always'],
    ['lock-deps', 'always'],
    ['healthcheck', 'production'],
    ['config', 'never'],
    ['audit show', 'never'],
    ['backupx', 'never'],
  ])('%s → %s', (path, policy) => {
    expect(auditPolicyFor(path)).toBe(policy);
  });
  it('names a command by its path below the program', () => {
    const p = new Command('autocodex-ops');
    const b = new Command('backup');
    const f = new Command('falkordb');
    p.addCommand(b);
    b.addCommand(f);
    expect(commandPath(f)).toBe('backup falkordb');
  });
});

describe('the record of a run', () => {
  it('is written for an audited command that never calls touch, with every contract field', async () => {
    const w = await world();
    expect(await w.run(['backup', 'falkordb', '--root', w.root, '--keep-last', '3'])).toBe(0);
    const [rec] = await w.records();
    expect(rec).toMatchObject({
      v: 1,
      seq: 1,
      time: '2025-02-01T10:00:03.000Z',
      startedAt: '2025-02-01T10:00:01.500Z',
      durationMs: 1500,
      tool: 'autocodex-ops',
      version: '9.9.9',
      user: 'alice',
      host: 'ops-box',
      pid: 4242,
      root: w.root,
      command: 'backup falkordb',
      args: ['backup', 'falkordb', '--root', w.root, '--keep-last', '3'],
      outcome: 'ok',
      exitCode: 0,
      details: {},
    });
    expect(w.stderr()).toBe('');
  });

  it('carries what the command touched; keys merge and lists concatenate', async () => {
    const w = await world();
    await w.run(['backup', 'userdata', '--root', w.root], (ctx) => {
      ctx.audit.touch({ archive: '/b/userdata_1.tar.gz', pruned: ['/b/old1'] });
      ctx.audit.touch({ sha256: 'a'.repeat(64), pruned: ['/b/old2'] });
    });
    expect((await w.records())[0]?.details).toEqual({ archive: '/b/userdata_1.tar.gz', pruned: ['/b/old1', '/b/old2'], sha256: 'a'.repeat(64) });
  });

  it('records failures with their exit code and redacted message, and interrupts as interrupted', async () => {
    const w = await world();
    const code = await w.run(['restore', 'falkordb', 'x.tar.gz', '--root', w.root], () => {
      throw new PrerequisiteError('Docker is not running; auth Falkor-Secret-77 rejected');
    });
    expect(code).toBe(10);
    expect(await w.run(['backup', 'prune', '--root', w.root], () => {
      throw new InterruptedError();
    }, { abort: true })).toBe(130);
    const [failed, interrupted] = await w.records();
    expect(failed).toMatchObject({ outcome: 'failed', exitCode: 10, error: 'Docker is not running; auth *** rejected' });
    expect(interrupted).toMatchObject({ outcome: 'interrupted', exitCode: 130, seq: 2 });
    expect((await verifyAuditTrail(w.trail)).ok).toBe(true);
  });

  it('is written even when the command fails before loading its config', async () => {
    const w = await world();
    const code = await w.run(['lock-deps', '--root', w.root], () => {
      throw new OpsError('uv exploded');
    }, { loadConfig: false });
    expect(code).toBe(1);
    expect(await w.records()).toMatchObject([{ command: 'lock-deps', outcome: 'failed', error: 'uv exploded' }]);
  });

  it('goes to AUTOCODEX_OPS_AUDIT_LOG when set', async () => {
    const w = await world();
    const other = join(w.root, 'elsewhere', 'trail.jsonl');
    await w.run(['backup', 'falkordb', '--root', w.root], undefined, { env: { AUTOCODEX_OPS_AUDIT_LOG: other } });
    expect(JSON.parse(await readFile(other, 'utf8')).command).toBe('backup falkordb');
  });

  it('is not written for read-only commands, help, or usage errors', async () => {
    const w = await world();
    await w.run(['backup', 'list', '--root', w.root]);
    await w.run(['backup', 'verify', 'x', '--root', w.root]);
    await w.run(['config', '--root', w.root]);
    await w.run(['backup', '--help']);
    await w.run(['nope']);
    expect(await w.records()).toEqual([]);
  });

  it('is written by a command that enables it although the policy would not', async () => {
    const w = await world();
    await w.run(['config', '--root', w.root], (ctx) => ctx.audit.enable());
    expect(await w.records()).toMatchObject([{ command: 'config' }]);
  });

  it('is written for healthcheck only in the production profile, with the failed checks', async () => {
    const w = await world();
    await w.run(['healthcheck', '--root', w.root], (ctx) => ctx.audit.touch({ failedChecks: [] }));
    expect(await w.records()).toEqual([]);
    await w.run(['healthcheck', '--root', w.root, '--profile', 'production'], (ctx) => ctx.audit.touch({ failedChecks: ['falkordb-auth'] }));
    await w.run(['healthcheck', '--root', w.root], undefined, { env: { AUTO_CODEX_PRODUCTION: 'yes' } });
    await w.run(['healthcheck', '--root', w.root, '--profile', 'default'], undefined, { env: { AUTO_CODEX_PRODUCTION: 'yes' } });
    expect(await w.records()).toMatchObject([
      { command: 'healthcheck', details: { failedChecks: ['falkordb-auth'] } },
      { command: 'healthcheck', args: ['healthcheck', '--root', w.root] },
    ]);
  });
});

describe('a failure to write the record', () => {
  const failingAppend = { append: async () => Promise.reject(new Error('EACCES: permission denied')) };

  it('is reported on stderr and leaves the exit code alone outside production', async () => {
    const w = await world();
    expect(await w.run(['backup', 'falkordb', '--root', w.root], undefined, { deps: failingAppend })).toBe(0);
    expect(w.stderr()).toMatch(/^\[audit\] Error: Could not write the audit record of "backup falkordb" to .*autocodex-ops-audit\.jsonl: EACCES: permission denied\.\n$/);
  });

  it('turns success into exit 1 in production', async () => {
    const w = await world();
    expect(await w.run(['backup', 'falkordb', '--root', w.root], undefined, { env: { AUTO_CODEX_PRODUCTION: 'true' }, deps: failingAppend })).toBe(1);
    expect(w.stderr()).toContain('The production profile requires an audit trail, so this run exits 1.');
  });

  it('never hides the outcome of a failed operation', async () => {
    const w = await world();
    const code = await w.run(['restore', 'falkordb', '--root', w.root], () => {
      throw new PrerequisiteError('no docker');
    }, { env: { AUTO_CODEX_PRODUCTION: 'true' }, deps: failingAppend });
    expect(code).toBe(10);
  });

  it('reports as JSON on stderr with --json', async () => {
    const w = await world();
    await w.run(['backup', 'falkordb', '--json', '--root', w.root], undefined, { deps: failingAppend });
    expect(JSON.parse(w.stderr())).toMatchObject({ level: 'error', cmd: 'audit', msg: expect.stringContaining('EACCES') });
  });

  it('happens for real when the trail folder cannot be created', async () => {
    const w = await world();
    await writeFile(join(w.root, 'logs'), 'a file where the folder should be');
    expect(await w.run(['backup', 'falkordb', '--root', w.root], undefined, { env: { AUTO_CODEX_PRODUCTION: '1' } })).toBe(1);
    expect(w.stderr()).toContain('Could not write the audit record');
  });
});
