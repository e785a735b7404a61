import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../../../src/core/config/describe.js';
import { loadConfig, type LoadConfigInput } from '../../../../src/core/config/load.js';
import { chooseUserdataDir } from '../../../../src/core/config/userdata-dir.js';

const base = (over: Partial<LoadConfigInput> = {}): LoadConfigInput => ({ env: {}, files: {}, root: '/srv/ac', home: '/home/u', platform: 'linux', cwd: '/work/here', ...over });

describe('relative paths: flags and the environment against the working directory, .env files against the root', () => {
  it.each([
    ['flag', { flags: { BACKUP_DIR: { value: 'out', flag: '--output-dir' } } }, '/work/here/out'],
    ['environment', { env: { BACKUP_DIR: 'out' } }, '/work/here/out'],
    ['root .env', { files: { '.env': 'BACKUP_DIR=out\n' } }, '/srv/ac/out'],
    ['default', {}, '/srv/ac/backups'],
    ['absolute', { env: { BACKUP_DIR: '/abs/b' } }, '/abs/b'],
  ])('BACKUP_DIR from %s', (_n, over, dir) => {
    expect(loadConfig(base(over as Partial<LoadConfigInput>)).config.backupDir).toBe(dir);
  });

  it('--userdata-dir, PRE_RESTORE_BACKUP_DIR and AUTOCODEX_OPS_AUDIT_LOG follow the same rule', () => {
    const { config } = loadConfig(
      base({
        flags: { USERDATA_DIR: { value: 'ud', flag: '--userdata-dir' } },
        env: { PRE_RESTORE_BACKUP_DIR: 'pre', AUTOCODEX_OPS_AUDIT_LOG: 'audit.jsonl' },
      }),
    );
    expect(config.userdataDir).toBe('/work/here/ud');
    expect(config.preRestoreBackupDir).toBe('/work/here/pre');
    expect(config.audit.path).toBe('/work/here/audit.jsonl');
  });

  it('config shows the resolved path, not the relative one given', () => {
    const { config } = loadConfig(base({ flags: { BACKUP_DIR: { value: 'out', flag: '--output-dir' } } }));
    expect(describeConfig(config).find((r) => r.name === 'BACKUP_DIR')).toMatchObject({ value: '/work/here/out', origin: 'flag --output-dir' });
  });
});

describe('the userData folder: Auto Codex or auto-codex-ui, whichever the app uses', () => {
  const existing = (paths: string[]) => (p: string) => paths.includes(p);
  const A = '/home/u/.config/Auto Codex';
  const B = '/home/u/.config/auto-codex-ui';

  it.each([
    ['neither exists: Auto Codex', [], A, /'Auto Codex' \(neither exists; 'auto-codex-ui' absent\)/],
    ['only auto-codex-ui holds the app files', [A, B, `${B}/settings.json`, `${B}/store/projects.json`], B, /'auto-codex-ui' \(holds settings\.json, store\/projects\.json; 'Auto Codex' exists, without app files\)/],
    ['both hold files: the one with more', [A, B, `${A}/settings.json`, `${A}/logs/main.log`, `${B}/settings.json`], A, /'Auto Codex' \(holds settings\.json, logs\/main\.log; 'auto-codex-ui' holds settings\.json\)/],
    ['only auto-codex-ui exists', [B], B, /'auto-codex-ui' \(exists, without app files; 'Auto Codex' absent\)/],
  ])('%s', (_n, paths, dir, note) => {
    const chosen = chooseUserdataDir('linux', '/home/u', {}, existing(paths));
    expect(chosen.dir).toBe(dir);
    expect(chosen.note).toMatch(note);
  });

  it('per OS base folders', () => {
    expect(chooseUserdataDir('darwin', '/Users/u', {}, existing(['/Users/u/Library/Application Support/auto-codex-ui/settings.json'])).dir).toBe('/Users/u/Library/Application Support/auto-codex-ui');
    expect(chooseUserdataDir('win32', 'C:\\Users\\u', { APPDATA: '/appdata' }, () => false).dir).toMatch(/appdata.Auto Codex$/);
  });

  it('config says which was used and why', () => {
    const { config } = loadConfig(base({ exists: existing([B, `${B}/settings.json`]) }));
    expect(config.userdataDir).toBe(B);
    expect(describeConfig(config).find((r) => r.name === 'USERDATA_DIR')).toMatchObject({ value: B, origin: expect.stringMatching(/^default: 'auto-codex-ui' \(holds settings\.json/) });
  });
});
