import { describe, expect, it } from 'vitest';
import { parseCronLine, readBlock, renderBlock, withBlock, withoutBlock } from '../../../../src/core/schedule/crontab-text.js';
import { carryOver, findOldLines } from '../../../../src/core/schedule/old-lines.js';

const input = { tool: ['/usr/bin/node', '/opt/ops/cli.cjs'], root: '/srv/ac', logFile: '/srv/ac/logs/autocodex-ops-cron.log' };
const jobs = [{ id: 'falkordb' as const, cron: '30 2 * * *', args: ['backup', 'falkordb', '--retention-days', '14'] }];
const FOREIGN = '# my jobs\nMAILTO=ops@example.com\n*/5 * * * * /usr/local/bin/ping-me   --loud\n\n0 1 * * * echo 50% > /tmp/x';

describe('the marked block', () => {
  it('is appended, then replaced in place; every foreign byte stays, and removing it restores the text', () => {
    const once = withBlock(FOREIGN, input.root, renderBlock(jobs, input));
    expect(once.startsWith(`${FOREIGN}\n`)).toBe(true);
    const twice = withBlock(once, input.root, renderBlock([{ ...jobs[0]!, cron: '0 3 * * *' }], input));
    expect(readBlock(twice, input.root)).toEqual([expect.objectContaining({ id: 'falkordb', cron: '0 3 * * *' })]);
    expect(twice.split('autocodex-ops job falkordb').length).toBe(2);
    expect(withoutBlock(twice, input.root)).toEqual({ text: `${FOREIGN}\n`, removed: true });
  });

  it('keeps the blocks of other roots and says when there is nothing to remove', () => {
    const other = withBlock('', '/srv/other', renderBlock(jobs, { ...input, root: '/srv/other' }));
    const both = withBlock(other, input.root, renderBlock(jobs, input));
    expect(withoutBlock(both, input.root).text).toBe(other);
    expect(withoutBlock(other, input.root)).toEqual({ text: other, removed: false });
  });

  it('writes the tool by absolute path with -q --root, quotes odd paths, escapes % and adds the cron.d user', () => {
    const [, , line] = renderBlock(jobs, { ...input, root: "/srv/a c's", logFile: '/srv/50%/log', user: 'root' });
    expect(line).toBe(`30 2 * * * root /usr/bin/node /opt/ops/cli.cjs -q --root '/srv/a c'\\''s' backup falkordb --retention-days 14 >>/srv/50\\%/log 2>&1`);
  });
});

describe('parseCronLine', () => {
  it.each([
    ['0 2 * * * /x/run.sh  a', false, { schedule: '0 2 * * *', command: '/x/run.sh  a' }],
    ['@daily root /x/run.sh', true, { schedule: '@daily', user: 'root', command: '/x/run.sh' }],
    ['# 0 2 * * * /x', false, undefined],
    ['SHELL=/bin/bash', false, undefined],
    ['0 2 * *', false, undefined],
  ])('%s', (line, system, expected) => expect(parseCronLine(line, system)).toEqual(expected));
});

describe('old script lines', () => {
  it("finds the runbook's example with its time and variables, and carries the known ones as flags", () => {
    const text = `${FOREIGN}\n0 2 * * * BACKUP_RETENTION_DAYS=14 FALKORDB_BACKUP_MODE=stop GRAPHITI_FALKORDB_PASSWORD=hunter22 /path/to/Auto-Codex/scripts/backup-falkordb.sh\n#0 3 * * * /x/backup-userdata.sh`;
    const [old, ...rest] = findOldLines({ kind: 'crontab', name: 'crontab of root', text });
    expect(rest).toEqual([]);
    expect(old).toMatchObject({ job: 'falkordb', schedule: '0 2 * * *', index: 5, vars: { BACKUP_RETENTION_DAYS: '14', FALKORDB_BACKUP_MODE: 'stop' } });
    const carried = carryOver(old!);
    expect(carried).toEqual({ schedule: '0 2 * * *', args: ['--retention-days', '14', '--mode', 'stop'], notCarried: ['GRAPHITI_FALKORDB_PASSWORD'] });
    expect(JSON.stringify(carried)).not.toContain('hunter22');
  });

  it('reads cron.d lines with their user field, and ExecStart of systemd units', () => {
    expect(findOldLines({ kind: 'cron-file', name: '/etc/cron.d/ac', text: '15 4 * * 0 ops cd /srv && USERDATA_DIR=/u ./scripts/backup-userdata.sh >/dev/null' })).toEqual([
      expect.objectContaining({ job: 'userdata', schedule: '15 4 * * 0', vars: { USERDATA_DIR: '/u' } }),
    ]);
    expect(findOldLines({ kind: 'systemd', name: '/etc/systemd/system/b.service', text: '[Service]\nExecStart=/srv/scripts/backup-falkordb.sh\n' })).toEqual([expect.objectContaining({ job: 'falkordb', index: 1, schedule: '' })]);
    expect(findOldLines({ kind: 'crontab', name: 'c', text: '0 2 * * * /x/my-backup-falkordb.sh.bak' })).toEqual([]);
  });
});
