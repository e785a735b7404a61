import { parseCronLine, readBlock } from '../../schedule/crontab-text.js';
import { createScheduleHost } from '../../schedule/host.js';
import { scanPathsFor, scanSources } from '../../schedule/scan.js';
import { unitPrefix } from '../../schedule/targets.js';
import { escalate, ok, type Check } from '../types.js';

// A line someone wrote by hand that runs the tool's FalkorDB backup, or the old script.
const TOOL_LINE = /autocodex-ops\S*\s.*\bbackup\s+falkordb\b/;
const OLD_SCRIPT = /backup-falkordb\.sh\b/;

/**
 * scheduled-backups (issue 25, runbook "Scheduled backups enabled"): some schedule runs FalkorDB
 * backups — this tool's job for this root (crontab, /etc/cron.d or systemd timer), or a crontab,
 * cron.d or unit line running `autocodex-ops backup falkordb` or the old `backup-falkordb.sh`.
 * None: a warning, a failure in the production profile.
 */
export const scheduledBackupsCheck: Check = {
  id: 'scheduled-backups',
  group: 'backups',
  title: 'scheduled backups',
  requiresGraphiti: true,
  async run(ctx) {
    const { root, schedule } = ctx.config;
    const host = createScheduleHost(ctx.exec, ctx.signal);
    const user = ctx.env?.USER ?? ctx.env?.LOGNAME ?? 'this user';
    const { sources, unreadable } = await scanSources(host, scanPathsFor(schedule), user);
    const found: string[] = [];
    for (const s of sources) {
      if (s.kind !== 'systemd') {
        const job = readBlock(s.text, root).find((j) => j.id === 'falkordb');
        if (job) found.push(`autocodex-ops job in ${s.name} (${job.cron})`);
      } else if (s.name.endsWith(`/${unitPrefix(root)}falkordb.service`)) {
        found.push(`autocodex-ops systemd timer ${unitPrefix(root)}falkordb.timer`);
        continue;
      }
      for (const line of s.text.split('\n')) {
        const command = s.kind === 'systemd' ? /^\s*ExecStart=(.*)$/.exec(line)?.[1] : parseCronLine(line, s.kind === 'cron-file')?.command;
        if (!command || line.includes(` --root ${root} `)) continue;
        if (OLD_SCRIPT.test(command)) found.push(`old backup-falkordb.sh in ${s.name}`);
        else if (TOOL_LINE.test(command)) found.push(`autocodex-ops backup falkordb in ${s.name}`);
      }
    }
    if (found.length) {
      const old = found.every((f) => f.startsWith('old ')) ? '; it runs the old script: `autocodex-ops schedule install --replace-old` replaces it' : '';
      return ok(`FalkorDB backups are scheduled: ${found.join('; ')}${old}`);
    }
    const unread = unreadable.length ? ` (could not read: ${unreadable.join(', ')})` : '';
    return escalate(
      ctx.config.enforce.backups,
      `No schedule runs FalkorDB backups: none in the crontab, /etc/crontab, /etc/cron.d or systemd units${unread}`,
      'Run `autocodex-ops schedule install` (daily FalkorDB backup at 02:30, and a monthly drill where available).',
    );
  },
};
