import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduledBackupsCheck } from '../../../../src/core/health/checks/schedule.js';
import { renderBlock } from '../../../../src/core/schedule/crontab-text.js';
import { unitPrefix } from '../../../../src/core/schedule/targets.js';
import { FakeExec } from '../../../helpers/fake-exec.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

function machine(crontab: string | undefined, files: Record<string, string> = {}, production = false) {
  const etc = mkdtempSync(join(tmpdir(), 'aco-etc-'));
  mkdirSync(join(etc, 'cron.d'));
  mkdirSync(join(etc, 'systemd'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(etc, name), text);
  const exec = new FakeExec({ 'crontab -l': crontab === undefined ? { exitCode: 1, stderr: 'no crontab for ops' } : { stdout: crontab } });
  const env: Record<string, string> = { GRAPHITI_ENABLED: 'true', AUTOCODEX_OPS_CRON_D_FILE: join(etc, 'cron.d', 'autocodex-ops'), AUTOCODEX_OPS_SYSTEMD_DIR: join(etc, 'systemd') };
  if (production) env.AUTO_CODEX_PRODUCTION = 'true';
  return fakeHealthContext({ env, exec, root: '/srv/ac' });
}
const ourBlock = renderBlock([{ id: 'falkordb', cron: '30 2 * * *', args: ['backup', 'falkordb'] }], { tool: ['/n', '/c.cjs'], root: '/srv/ac', logFile: '/l' }).join('\n');

describe('scheduled-backups', () => {
  it.each([
    ['nothing scheduled: a warning', undefined, {}, false, 'warn', /No schedule runs FalkorDB backups/],
    ['nothing scheduled in production: a failure', '# empty\n', {}, true, 'fail', /No schedule runs/],
    ["this tool's job in the crontab", `${ourBlock}\n`, {}, true, 'ok', /autocodex-ops job in crontab of .* \(30 2 \* \* \*\)/],
    ['the old script in /etc/crontab', undefined, { crontab: '0 2 * * * root BACKUP_RETENTION_DAYS=14 /x/scripts/backup-falkordb.sh\n' }, true, 'ok', /old backup-falkordb\.sh in .*crontab; it runs the old script/],
    ['a hand-written line in cron.d', undefined, { 'cron.d/mine': '0 3 * * * root /usr/local/bin/autocodex-ops -q backup falkordb\n' }, false, 'ok', /autocodex-ops backup falkordb in .*cron\.d\/mine/],
    ["this tool's systemd unit", undefined, { [`systemd/${unitPrefix('/srv/ac')}falkordb.service`]: '[Service]\nExecStart=/n /c.cjs -q --root /srv/ac backup falkordb\n' }, true, 'ok', /systemd timer/],
    ["another root's job only", `${ourBlock.replaceAll('/srv/ac', '/srv/other')}\n`, {}, false, 'warn', /No schedule/],
    ['a userdata-only old line', '0 2 * * * /x/backup-userdata.sh\n', {}, false, 'warn', /No schedule/],
  ] as const)('%s', async (_name, crontab, files, production, status, message) => {
    const result = await scheduledBackupsCheck.run(machine(crontab, files, production));
    expect(result.status).toBe(status);
    expect(result.message).toMatch(message);
    if (status !== 'ok') expect(result.hint).toMatch(/schedule install/);
  });
});
