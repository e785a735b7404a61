import { dirname, join } from 'node:path';
import type { ScheduleHost } from './host.js';
import type { ScheduleSource } from './old-lines.js';

/** The system places scanned for schedules, besides the user's crontab. */
export interface ScanPaths {
  systemCrontab: string;
  cronDDir: string;
  systemdDir: string;
}

/** The default places on Debian and most Linux systems. */
export const SYSTEM_SCAN_PATHS: ScanPaths = { systemCrontab: '/etc/crontab', cronDDir: '/etc/cron.d', systemdDir: '/etc/systemd/system' };

/**
 * scanPathsFor derives the places to scan from the configured cron.d file and unit folder: the
 * cron.d folder is the file's, and the system crontab sits beside it (/etc/cron.d → /etc/crontab).
 */
export function scanPathsFor(schedule: { cronDFile: string; systemdDir: string }): ScanPaths {
  const cronDDir = dirname(schedule.cronDFile);
  return { cronDDir, systemCrontab: join(dirname(cronDDir), 'crontab'), systemdDir: schedule.systemdDir };
}

/**
 * scanSources reads every schedule this user can see: their crontab, /etc/crontab, the files of
 * /etc/cron.d (cron skips names with a dot, so do we) and systemd service units. A source that
 * cannot be read is reported in `unreadable` and skipped; it never fails the scan.
 */
export async function scanSources(host: ScheduleHost, paths: ScanPaths, user: string): Promise<{ sources: ScheduleSource[]; unreadable: string[] }> {
  const sources: ScheduleSource[] = [];
  const unreadable: string[] = [];
  const attempt = async (name: string, read: () => Promise<string | undefined>, kind: ScheduleSource['kind']) => {
    try {
      const text = await read();
      if (text !== undefined) sources.push({ kind, name, text });
    } catch (err) {
      unreadable.push(`${name} (${(err as Error).message})`);
    }
  };
  await attempt(`crontab of ${user}`, () => host.readCrontab(), 'crontab');
  await attempt(paths.systemCrontab, () => host.readFile(paths.systemCrontab), 'cron-file');
  for (const name of await host.listDir(paths.cronDDir).catch(() => [])) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) continue;
    await attempt(join(paths.cronDDir, name), () => host.readFile(join(paths.cronDDir, name)), 'cron-file');
  }
  for (const name of await host.listDir(paths.systemdDir).catch(() => [])) {
    if (!name.endsWith('.service')) continue;
    await attempt(join(paths.systemdDir, name), () => host.readFile(join(paths.systemdDir, name)), 'systemd');
  }
  return { sources, unreadable };
}
