import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/core/config/../errors.js';
import { loadConfig, type LoadConfigInput } from '../../../../src/core/config/load.js';
import { originLabel } from '../../../../src/core/config/resolve.js';

const base = (over: Partial<LoadConfigInput> = {}): LoadConfigInput => ({
  env: {},
  files: {},
  root: '/srv/ac',
  home: '/home/u',
  platform: 'linux',
  ...over,
});

describe('loadConfig precedence', () => {
  it('takes a flag over env over auto-codex/.env over root .env', () => {
    const files = { 'auto-codex/.env': 'FALKORDB_VOLUME=from-ac\n', '.env': 'FALKORDB_VOLUME=from-root\n' };
    const only = (over: Partial<LoadConfigInput>) => loadConfig(base({ files, ...over })).config;
    expect(only({}).falkordb.volume).toBe('from-ac');
    expect(originLabel(only({}).values.FALKORDB_VOLUME.origin)).toBe('file auto-codex/.env');
    expect(only({ files: { '.env': 'FALKORDB_VOLUME=from-root' } }).falkordb.volume).toBe('from-root');
    expect(only({ env: { FALKORDB_VOLUME: 'from-env' } }).falkordb.volume).toBe('from-env');
    const flagged = only({ env: { BACKUP_DIR: '/env' }, flags: { BACKUP_DIR: { value: '/flag', flag: '--output-dir' } } });
    expect(flagged.backupDir).toBe('/flag');
    expect(originLabel(flagged.values.BACKUP_DIR.origin)).toBe('flag --output-dir');
  });

  // original-scripts.md §1: per-variable lookup orders.
  it.each([
    ['GRAPHITI_ENABLED never reads the root .env', { '.env': 'GRAPHITI_ENABLED=true' }, (c: any) => c.graphitiEnabled, false],
    ['GRAPHITI_ENABLED reads auto-codex/.env', { 'auto-codex/.env': 'GRAPHITI_ENABLED=yes' }, (c: any) => c.graphitiEnabled, true],
    ['image tags only from the root .env', { 'auto-codex/.env': 'FALKORDB_IMAGE_TAG=v1' }, (c: any) => c.falkordb.imageTag, undefined],
    ['image tags from the root .env', { '.env': 'FALKORDB_IMAGE_TAG=v4.2' }, (c: any) => c.falkordb.imageTag, 'v4.2'],
    ['FALKORDB_ARGS: root .env before auto-codex/.env', { '.env': 'FALKORDB_ARGS=root', 'auto-codex/.env': 'FALKORDB_ARGS=ac' }, (c: any) => c.falkordb.falkordbArgs, 'root'],
    ['BACKUP_DIR: root .env before auto-codex/.env', { '.env': 'BACKUP_DIR=/r', 'auto-codex/.env': 'BACKUP_DIR=/a' }, (c: any) => c.backupDir, '/r'],
    ['UI flags: auto-codex-ui/.env before root .env', { 'auto-codex-ui/.env': 'AUTO_CODEX_ALLOW_UNSIGNED_UPDATES=ui', '.env': 'AUTO_CODEX_ALLOW_UNSIGNED_UPDATES=root' }, (c: any) => c.values.AUTO_CODEX_ALLOW_UNSIGNED_UPDATES.value, 'ui'],
    ['production only from the process env', { 'auto-codex/.env': 'AUTO_CODEX_PRODUCTION=true', '.env': 'AUTO_CODEX_PRODUCTION=true' }, (c: any) => c.production, false],
    ['sandbox bypass from auto-codex/.env only', { '.env': 'AUTO_CODEX_BYPASS_CODEX_SANDBOX=1' }, (c: any) => c.values.AUTO_CODEX_BYPASS_CODEX_SANDBOX.value, undefined],
  ])('%s', (_name, files, pick, expected) => {
    expect(pick(loadConfig(base({ files })).config)).toEqual(expected);
  });

  it('resolves the password in the six-place order of the scripts', () => {
    const files = {
      'auto-codex/.env': 'FALKORDB_PASSWORD=ac-f\nGRAPHITI_FALKORDB_PASSWORD=ac-g\n',
      '.env': 'GRAPHITI_FALKORDB_PASSWORD=root-g\n',
    };
    const pw = (env: Record<string, string>, f: LoadConfigInput['files'] = files) => loadConfig(base({ env, files: f })).config.falkordb;
    expect(pw({ FALKORDB_PASSWORD: 'env-f' }).password).toBe('env-f');
    expect(pw({ FALKORDB_PASSWORD: 'env-f', GRAPHITI_FALKORDB_PASSWORD: 'env-g' }).password).toBe('env-g');
    expect(pw({}).password).toBe('ac-g');
    expect(pw({}, { 'auto-codex/.env': 'FALKORDB_PASSWORD=ac-f', '.env': 'GRAPHITI_FALKORDB_PASSWORD=root-g' }).password).toBe('ac-f');
    expect(pw({}, { '.env': 'FALKORDB_PASSWORD=root-f' }).password).toBe('root-f');
    expect(originLabel(pw({}, { '.env': 'FALKORDB_PASSWORD=root-f' }).passwordOrigin)).toBe('file .env');
    expect(pw({}, {}).password).toBeUndefined();
  });

  it('treats an empty value as unset so it never hides a later source', () => {
    const { config } = loadConfig(base({ env: { FALKORDB_VOLUME: '' }, files: { '.env': 'FALKORDB_VOLUME=vol\n' } }));
    expect(config.falkordb.volume).toBe('vol');
  });

  it('parses quotes, comments and export like dotenv, last assignment winning', () => {
    const text = '# comment\nexport FALKORDB_VOLUME="a b" # trailing\nBACKUP_RETENTION_DAYS=3\nBACKUP_RETENTION_DAYS=14\n';
    const { config } = loadConfig(base({ files: { '.env': text } }));
    expect(config.falkordb.volume).toBe('a b');
    expect(config.retentionDays).toBe(14);
  });

  it.each(['true', 'TRUE', '1', 'yes', 'On'])('treats %s as true', (v) => {
    expect(loadConfig(base({ env: { AUTO_CODEX_PRODUCTION: v } })).config.production).toBe(true);
  });
  it.each(['false', '0', 'no', 'enabled', ' '])('treats %j as false', (v) => {
    expect(loadConfig(base({ env: { AUTO_CODEX_PRODUCTION: v } })).config.production).toBe(false);
  });

  it('escalates every enforcement in production', () => {
    const { config } = loadConfig(base({ env: { AUTO_CODEX_PRODUCTION: 'on' } }));
    expect(config.enforce).toEqual({ cleanGit: true, sandbox: true, falkordbAuth: true, backups: true });
  });

  it('applies defaults and resolves relative paths against the root', () => {
    const { config } = loadConfig(base({ env: { BACKUP_DIR: 'bk' } }));
    expect(config.backupDir).toBe('/srv/ac/bk');
    expect(config.preRestoreBackupDir).toBe('/srv/ac/bk');
    expect(config.falkordb).toMatchObject({ host: 'localhost', port: 6380, volume: 'auto-codex_falkordb_data', containerName: 'auto-codex-falkordb' });
    expect(config.backupMode).toBe('save');
    expect(config.audit.path).toBe('/srv/ac/logs/autocodex-ops-audit.jsonl');
    expect(config.userdataDir).toBe('/home/u/.config/Auto Codex');
    expect(loadConfig(base({ platform: 'darwin' })).config.userdataDir).toBe('/home/u/Library/Application Support/Auto Codex');
  });

  it('reports every invalid value at once, with its origin', () => {
    const files = { '.env': 'GRAPHITI_FALKORDB_PORT=99999\n' };
    const env = { FALKORDB_BACKUP_MODE: 'fast', BACKUP_RETENTION_DAYS: '-1' };
    let error: unknown;
    try {
      loadConfig(base({ env, files }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toHaveLength(3);
    expect(issues.find((i) => i.startsWith('GRAPHITI_FALKORDB_PORT:'))).toMatch(/from file \.env/);
    expect(issues.find((i) => i.startsWith('FALKORDB_BACKUP_MODE:'))).toMatch(/from env/);
    expect(issues.some((i) => i.startsWith('BACKUP_RETENTION_DAYS:'))).toBe(true);
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('warns and falls back to 7 on a bad AUTO_CODEX_BACKUP_MAX_AGE_DAYS, as the scripts did', () => {
    const { config, warnings } = loadConfig(base({ env: { AUTO_CODEX_BACKUP_MAX_AGE_DAYS: 'week' } }));
    expect(config.backupMaxAgeDays).toBe(7);
    expect(warnings).toEqual(['AUTO_CODEX_BACKUP_MAX_AGE_DAYS is not a valid integer; defaulting to 7.']);
    expect(loadConfig(base({ env: { AUTO_CODEX_BACKUP_MAX_AGE_DAYS: '0' } })).config.backupMaxAgeDays).toBe(0);
  });
});
