import { describe, expect, it } from 'vitest';
import { configWarningsCheck } from '../../../../src/core/health/checks/config-warnings.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

describe('config-warnings', () => {
  it('is ok without warnings', async () => {
    expect(await configWarningsCheck.run(fakeHealthContext())).toEqual({ status: 'ok', message: 'no configuration warnings' });
  });
  it('counts an invalid AUTO_CODEX_BACKUP_MAX_AGE_DAYS (the script counted it)', async () => {
    const result = await configWarningsCheck.run(fakeHealthContext({ env: { AUTO_CODEX_BACKUP_MAX_AGE_DAYS: 'week' } }));
    expect(result).toMatchObject({ status: 'warn', message: 'AUTO_CODEX_BACKUP_MAX_AGE_DAYS is not a valid integer; defaulting to 7.' });
  });
  it.each([
    ['auto-codex/.env', 'AUTO_CODEX_PRODUCTION=true'],
    ['.env', 'AUTO_CODEX_ENFORCE_BACKUPS=1'],
    ['auto-codex-ui/.env', 'AUTO_CODEX_PRODUCTION=yes'],
  ])('an environment-only switch in %s is named, with no effect', async (file, line) => {
    const ctx = fakeHealthContext({ files: { [file]: `${line}\n` } });
    const name = line.split('=')[0]!;
    expect(ctx.config.production).toBe(false);
    expect(await configWarningsCheck.run(ctx)).toMatchObject({ status: 'warn', message: `${name} is set in ${file}, but it is read from the environment only: that value has no effect (export it, or pass the matching flag).` });
  });
  it('says nothing of a switch set in the environment', async () => {
    expect((await configWarningsCheck.run(fakeHealthContext({ env: { AUTO_CODEX_PRODUCTION: 'true' } }))).status).toBe('ok');
  });

  it('says plainly that AUTO_CODEX_AUDIT_LOG is never written by the app', async () => {
    const result = await configWarningsCheck.run(fakeHealthContext({ files: { 'auto-codex/.env': 'AUTO_CODEX_AUDIT_LOG=/var/log/ac-audit.log\n' } }));
    expect(result).toMatchObject({ status: 'warn', message: expect.stringMatching(/^AUTO_CODEX_AUDIT_LOG is set, but the app never writes that file/) });
  });
});
