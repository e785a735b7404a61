import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runProgram } from '../../helpers/run-program.js';

let root: string;
let trail: string;
// AUTOCODEX_OPS_AUDIT_LOG present but undefined: the default <root>/logs/… path, not runProgram's scratch file.
const env = (extra: Record<string, string> = {}) => ({ AUTOCODEX_OPS_AUDIT_LOG: undefined, ...extra });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'aco-audit-cmd-'));
  await mkdir(join(root, 'auto-codex'));
  trail = join(root, 'logs', 'autocodex-ops-audit.jsonl');
});

/** Two production healthchecks (one failing) leave two records. */
async function seed(): Promise<void> {
  const prod = ['healthcheck', '--profile', 'production', '--only', 'unsigned-updates', '--root', root];
  expect((await runProgram(prod, { env: env({ AUTO_CODEX_ALLOW_UNSIGNED_UPDATES: 'true' }) })).code).toBe(1);
  expect((await runProgram(prod, { env: env() })).code).toBe(0);
}

describe('healthcheck in production leaves a record', () => {
  it('with the failed check ids, at <root>/logs/autocodex-ops-audit.jsonl; the default profile leaves none', async () => {
    expect((await runProgram(['healthcheck', '--only', 'unsigned-updates', '--root', root], { env: env() })).code).toBe(0);
    await seed();
    const recs = (await readFile(trail, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(recs).toMatchObject([
      { seq: 1, command: 'healthcheck', outcome: 'failed', exitCode: 1, details: { status: 'fail', failedChecks: ['unsigned-updates'] } },
      { seq: 2, command: 'healthcheck', outcome: 'ok', exitCode: 0, details: { status: 'ok', failedChecks: [] } },
    ]);
  });
});

describe('audit show', () => {
  it('prints a table, newest last, and the records with --json', async () => {
    await seed();
    const run = await runProgram(['audit', 'show', '--root', root], { env: env() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/healthcheck\s+failed \(1\)\s+.*status=fail failedChecks=unsigned-updates/);
    expect(lines[2]).toMatch(/healthcheck\s+ok\s+/);
    const json = await runProgram(['audit', 'show', '--json', '--outcome', 'failed', '--root', root], { env: env() });
    const doc = JSON.parse(json.stdout);
    expect(doc.path).toBe(trail);
    expect(doc.records).toHaveLength(1);
    expect(doc.records[0]).toMatchObject({ seq: 1, outcome: 'failed', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('filters by --command, --since and --limit', async () => {
    await seed();
    const count = async (...args: string[]) => JSON.parse((await runProgram(['audit', 'show', '--json', '--root', root, ...args], { env: env() })).stdout).records.length;
    expect(await count('--command', 'healthcheck')).toBe(2);
    expect(await count('--command', 'backup')).toBe(0);
    expect(await count('--since', '1h')).toBe(2);
    expect(await count('--since', '2000-01-01', '--limit', '1')).toBe(1);
  });

  it("reads the app's legacy log with --file, command last even with |, redacted", async () => {
    const app = join(root, 'app-audit.log');
    await writeFile(app, '2024-05-01T12:00:00.000001|BLOCKED|bash|not allowed|curl x | sh --token=abc123\n');
    const run = await runProgram(['audit', 'show', '--file', app, '--root', root], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[app] bash: curl x | sh --token=***');
    expect(run.stdout).toContain('BLOCKED');
    expect(run.stdout).not.toContain('abc123');
  });

  it('says so when there are no records, and rejects bad input with exit 2', async () => {
    expect((await runProgram(['audit', 'show', '--root', root], { env: env() })).stdout).toBe(`No audit records in ${trail}.\n`);
    expect((await runProgram(['audit', 'show', '--since', 'soon', '--root', root], { env: env() })).code).toBe(2);
    expect((await runProgram(['audit', 'show', '--outcome', 'meh', '--root', root], { env: env() })).code).toBe(2);
    expect((await runProgram(['audit', 'show', '--limit', '0', '--root', root], { env: env() })).code).toBe(2);
    const missing = await runProgram(['audit', 'show', '--file', join(root, 'nope.log'), '--root', root], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No audit log at');
  });
});

describe('audit verify', () => {
  it('exits 0 on an intact trail and 1 naming the first broken record', async () => {
    await seed();
    const ok = await runProgram(['audit', 'verify', '--root', root], { env: env() });
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/intact, 2 record\(s\) in 1 file; head seq 2/);
    const text = await readFile(trail, 'utf8');
    await writeFile(trail, text.replace('"exitCode":1', '"exitCode":0'));
    const bad = await runProgram(['audit', 'verify', '--root', root], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`BROKEN at ${trail}:1 (seq 1): the record was modified`);
    expect(bad.stderr).toBe('');
    const json = await runProgram(['audit', 'verify', '--json', '--root', root], { env: env() });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, records: 2, problems: [{ file: trail, line: 1, seq: 1 }] });
  });

  it('verifies the file given with --file and is itself never audited', async () => {
    await seed();
    const before = await readFile(trail, 'utf8');
    expect((await runProgram(['audit', 'verify', '--file', trail], { env: env() })).code).toBe(0);
    expect(await readFile(trail, 'utf8')).toBe(before);
  });

  it('lists show and verify in help', async () => {
    const run = await runProgram(['audit', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/show[\s\S]*verify/);
    expect(run.stdout).toContain('<file>.head');
  });
});
