import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArchive } from '../helpers/archives.js';
import { ageKeygen, ageTool, type ToolKey } from '../helpers/age-tool.js';
import { runProgram } from '../helpers/run-program.js';

// Issue 21 through the CLI, judged by Debian's `age`: backups of a userData folder (no Docker
// needed) encrypted to recipients, opened by `age -d -i`; archives `age -r` encrypted, restored by
// the tool; a wrong, missing or too-open identity, a truncated or altered archive: exit 2 or 10
// and nothing touched. No key material may show up in any output or in the audit trail.

const base = mkdtempSync(join(tmpdir(), 'aco-enc-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let alice: ToolKey;
let bob: ToolKey;
let carol: ToolKey;
let n = 0;

beforeAll(() => {
  const keys = join(base, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  alice = ageKeygen(keys, 'alice.txt');
  bob = ageKeygen(keys, 'bob.txt');
  carol = ageKeygen(keys, 'carol.txt');
});

function setup() {
  const root = join(base, `r${n++}`);
  const userdata = join(root, 'Auto Codex');
  mkdirSync(join(userdata, 'Partitions'), { recursive: true });
  writeFileSync(join(userdata, 'settings.json'), '{"riskPolicy":"standard"}');
  writeFileSync(join(userdata, 'Partitions', 'state.bin'), Buffer.alloc(200_000, 7));
  const recipientsFile = join(root, 'recipients.txt');
  writeFileSync(recipientsFile, `# the ops team\n${alice.recipient}\n\n# offline recovery key\n${bob.recipient}\n`);
  const audit = join(root, 'audit.jsonl');
  const env = (extra: Record<string, string | undefined> = {}) => ({ USERDATA_DIR: userdata, AUTOCODEX_OPS_AUDIT_LOG: audit, ...extra });
  const run = (args: string[], extra: Record<string, string | undefined> = {}) => runProgram([...args, '--root', root], { env: env(extra) });
  const backups = () => readdirSync(join(root, 'backups')).sort();
  return { root, userdata, recipientsFile, audit, run, backups };
}

function expectNoKeyMaterial(...texts: string[]) {
  for (const key of [alice, bob, carol]) {
    const secretBody = key.secret.slice('AGE-SECRET-KEY-1'.length, 'AGE-SECRET-KEY-1'.length + 20);
    for (const t of texts) {
      expect(t).not.toContain(key.secret);
      expect(t.toUpperCase()).not.toContain(secretBody);
    }
  }
}

async function encryptedBackup(s: ReturnType<typeof setup>) {
  const r = await s.run(['backup', 'userdata', '--json'], { AUTOCODEX_OPS_AGE_RECIPIENTS_FILE: s.recipientsFile });
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { archive: string; sha256: string; encrypted: boolean };
}

describe('encrypted backups (age)', () => {
  it('a backup to a recipients file (comments, two keys) is a .tar.gz.age that either key opens with age -d', async () => {
    const s = setup();
    const result = await encryptedBackup(s);
    expect(result.archive).toMatch(/userdata_\d{8}_\d{6}\.tar\.gz\.age$/);
    expect(result.encrypted).toBe(true);
    const sealed = readFileSync(result.archive);
    expect(sealed.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    // The sidecar is of the encrypted file, so `sha256sum -c` still works.
    expect(execFileSync('sha256sum', ['-c', `${result.archive}.sha256`], { cwd: join(s.root, 'backups'), encoding: 'utf8' })).toContain(': OK');
    const manifest = JSON.parse(readFileSync(`${result.archive}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ encrypted: true, encryption: { format: 'age-v1', recipients: [alice.recipient, bob.recipient] }, archive: { sha256: sha256(sealed) } });
    for (const key of [alice, bob]) {
      const plain = ageTool(['-d', '-i', key.file], sealed);
      expect(plain.status).toBe(0);
      expect(sha256(plain.stdout)).toBe(manifest.encryption.plaintextSha256);
      const names = execFileSync('tar', ['-tz'], { input: plain.stdout, encoding: 'utf8' });
      expect(names).toContain('settings.json');
    }
    expect(ageTool(['-d', '-i', carol.file], sealed).status).not.toBe(0);
    expectNoKeyMaterial(readFileSync(s.audit, 'utf8'), JSON.stringify(manifest));
  });

  it('--recipient flags encrypt too; invalid recipients are refused with exit 2 and nothing written', async () => {
    const s = setup();
    const ok = await s.run(['backup', 'userdata', '--json', '--recipient', carol.recipient]);
    expect(ok.code).toBe(0);
    const archive = JSON.parse(ok.stdout).archive as string;
    expect(ageTool(['-d', '-i', carol.file], readFileSync(archive)).status).toBe(0);
    const before = s.backups();
    const bad = await s.run(['backup', 'userdata', '--recipient', 'age1notakey']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an age recipient');
    const badFile = join(s.root, 'bad-recipients.txt');
    writeFileSync(badFile, `${alice.recipient}\nssh-ed25519 AAAAC3Nza user@host\n`);
    const bad2 = await s.run(['backup', 'userdata'], { AUTOCODEX_OPS_AGE_RECIPIENTS_FILE: badFile });
    expect(bad2.code).toBe(2);
    expect(bad2.stderr).toMatch(/line 2: not an X25519 age recipient/);
    const pass = await s.run(['backup', 'userdata', '--passphrase']);
    expect(pass.code).toBe(2);
    expect(pass.stderr).toContain('terminal');
    expect(s.backups()).toEqual(before);
  });

  it('backup verify: the full content with an identity, header and checksums without one, exit 2 when truncated', async () => {
    const s = setup();
    const { archive } = await encryptedBackup(s);
    const full = await s.run(['backup', 'verify', archive, '--json'], { AUTOCODEX_OPS_AGE_IDENTITY: alice.file });
    expect(full.code).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({ ok: true, encrypted: { checked: 'content' }, entries: expect.any(Number) });
    const headerOnly = await s.run(['backup', 'verify', '--latest', '--kind', 'userdata', '--json']);
    expect(headerOnly.code).toBe(0);
    expect(JSON.parse(headerOnly.stdout)).toMatchObject({ ok: true, archive, encrypted: { checked: 'header' }, warnings: [expect.stringContaining('no identity')] });
    const wrong = await s.run(['backup', 'verify', archive, '--json'], { AUTOCODEX_OPS_AGE_IDENTITY: carol.file });
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('No identity matches');
    const list = await s.run(['backup', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject({ backups: [{ archive, encrypted: true }] });
    truncateSync(archive, readFileSync(archive).length - 1000);
    const cut = await s.run(['backup', 'verify', archive, '--json'], { AUTOCODEX_OPS_AGE_IDENTITY: alice.file });
    expect(cut.code).toBe(2);
    expect(cut.stdout).toMatch(/truncated/);
  });

  it('restore userdata opens an archive the tool encrypted; the safety copy is encrypted as the identity is at hand', async () => {
    const s = setup();
    const { archive } = await encryptedBackup(s);
    writeFileSync(join(s.userdata, 'settings.json'), 'changed since');
    const r = await s.run(['restore', 'userdata', archive, '--yes', '--json'], { AUTOCODEX_OPS_AGE_IDENTITY: alice.file, AUTOCODEX_OPS_AGE_RECIPIENTS_FILE: s.recipientsFile });
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(s.userdata, 'settings.json'), 'utf8')).toBe('{"riskPolicy":"standard"}');
    const safety = s.backups().find((f) => /^userdata_pre_restore_.*\.tar\.gz\.age$/.test(f));
    expect(safety).toBeDefined();
    const plain = ageTool(['-d', '-i', alice.file], readFileSync(join(s.root, 'backups', safety!)));
    expect(execFileSync('tar', ['-xzO', './settings.json'], { input: plain.stdout, encoding: 'utf8' })).toBe('changed since');
    expectNoKeyMaterial(r.stdout, r.stderr, readFileSync(s.audit, 'utf8'));
  });

  it('restore userdata opens an archive age -r encrypted from a plain backup (no sidecar: --yes)', async () => {
    const s = setup();
    const plain = await makeArchive(join(s.root, 'plain', 'userdata_20250101_000000.tar.gz'), { 'settings.json': 'from age' }, { sidecar: false });
    const archive = join(s.root, 'userdata_20250101_000000.tar.gz.age');
    writeFileSync(archive, ageTool(['-e', '-r', bob.recipient], readFileSync(plain)).stdout);
    const r = await s.run(['restore', 'userdata', archive, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: bob.file });
    expect(r.code).toBe(0);
    expect(readFileSync(join(s.userdata, 'settings.json'), 'utf8')).toBe('from age');
    // No recipients are configured and the archive was encrypted: the copy goes to the identity's own key.
    const safety = s.backups().find((f) => f.startsWith('userdata_pre_restore_') && f.endsWith('.tar.gz.age'));
    expect(ageTool(['-d', '-i', bob.file], readFileSync(join(s.root, 'backups', safety!))).status).toBe(0);
  });

  it('a wrong identity (2), none (10), a 0644 identity (2), a tampered archive (2): the folder is untouched', async () => {
    const s = setup();
    const { archive } = await encryptedBackup(s);
    writeFileSync(join(s.userdata, 'settings.json'), 'current');
    const before = s.backups();
    const wrong = await s.run(['restore', 'userdata', archive, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: carol.file });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('No identity matches this archive');
    const none = await s.run(['restore', 'userdata', archive, '--yes']);
    expect(none.code).toBe(10);
    expect(none.stderr).toContain('no identity is configured');
    const open = join(s.root, 'open-key.txt');
    writeFileSync(open, readFileSync(alice.file));
    chmodSync(open, 0o644);
    const tooOpen = await s.run(['restore', 'userdata', archive, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: open });
    expect(tooOpen.code).toBe(2);
    expect(tooOpen.stderr).toContain('mode 0644');
    const sealed = readFileSync(archive);
    sealed[sealed.length - 20]! ^= 0x40; // inside the last chunk (the archive is small: its data compresses well)
    writeFileSync(archive, sealed);
    const tampered = await s.run(['restore', 'userdata', archive, '--yes'], { AUTOCODEX_OPS_AGE_IDENTITY: alice.file });
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(/damaged|checksum mismatch/);
    expect(readFileSync(join(s.userdata, 'settings.json'), 'utf8')).toBe('current');
    expect(s.backups()).toEqual(before);
    expect(existsSync(join(s.userdata, 'Partitions', 'state.bin'))).toBe(true);
    expectNoKeyMaterial(wrong.stderr, none.stderr, tooOpen.stderr, tampered.stderr, readFileSync(s.audit, 'utf8'));
  });
});
