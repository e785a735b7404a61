import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { jobCommand, readBlock, renderBlock, withBlock, withoutBlock, type JobLineInput } from './crontab-text.js';
import type { ScheduleHost } from './host.js';
import type { PlannedJob } from './jobs.js';
import { toOnCalendar } from './when.js';

/** Where the tool's jobs go: systemd timers, /etc/cron.d (root), or the invoking user's crontab. */
export type TargetKind = 'systemd' | 'cron.d' | 'crontab';

/** The places of the file-based targets (defaults /etc/cron.d/autocodex-ops and /etc/systemd/system). */
export interface TargetPaths {
  cronDFile: string;
  systemdDir: string;
}

/** An installed job as read back: its id, schedule (cron expression or OnCalendar) and what it runs. */
export interface InstalledJob {
  id: string;
  schedule: string;
  line: string;
}

/** One scheduler: read, install (returning its undo) and remove the jobs of one root. */
export interface ScheduleTarget {
  kind: TargetKind;
  /** Where the jobs are, in words: `crontab of <user>`, the cron.d file, the unit folder. */
  where: string;
  read(root: string): Promise<InstalledJob[]>;
  install(jobs: readonly PlannedJob[], input: JobLineInput): Promise<() => Promise<void>>;
  remove(root: string): Promise<boolean>;
}

/** chooseTarget picks `auto`'s target: systemd when it runs as PID 1's manager, else cron.d as root, else the crontab (issue 25). */
export function chooseTarget(facts: { systemdRunning: boolean; uid: number }): TargetKind {
  if (facts.systemdRunning && facts.uid === 0) return 'systemd';
  return facts.uid === 0 ? 'cron.d' : 'crontab';
}

/** createTarget returns the scheduler of the given kind on a host. */
export function createTarget(kind: TargetKind, host: ScheduleHost, paths: TargetPaths, user: string): ScheduleTarget {
  if (kind === 'crontab') return textTarget(kind, `crontab of ${user}`, () => host.readCrontab(), (t) => host.writeCrontab(t));
  if (kind === 'cron.d') {
    const file = paths.cronDFile;
    return textTarget(
      kind,
      file,
      async () => (await host.readFile(file)) ?? '',
      // cron ignores a file in /etc/cron.d that others may write; an empty file is removed.
      (t) => (t.trim() === '' ? host.removeFile(file) : host.writeFile(file, t, 0o644)),
    );
  }
  return systemdTarget(host, paths.systemdDir);
}

function textTarget(kind: TargetKind, where: string, read: () => Promise<string>, write: (text: string) => Promise<void>): ScheduleTarget {
  return {
    kind,
    where,
    async read(root) {
      return readBlock(await read(), root).map((l) => ({ id: l.id, schedule: l.cron, line: l.line }));
    },
    async install(jobs, input) {
      const before = await read();
      await write(withBlock(before, input.root, renderBlock(jobs, { ...input, user: kind === 'cron.d' ? (input.user ?? 'root') : undefined })));
      return () => write(before);
    },
    async remove(root) {
      const { text, removed } = withoutBlock(await read(), root);
      if (removed) await write(text);
      return removed;
    },
  };
}

/** unitPrefix names a root's units `autocodex-ops-<8 hex of the root's path>-`, so two checkouts never share one. */
export function unitPrefix(root: string): string {
  return `autocodex-ops-${createHash('sha256').update(root).digest('hex').slice(0, 8)}-`;
}

// ExecStart is not a shell line: a word with odd characters goes in double quotes with C escapes,
// `%` (specifiers) is doubled and `$` (variable expansion) is written `$$`.
const systemdWord = (w: string) => {
  const quoted = /^[A-Za-z0-9_@+=:,./-]+$/.test(w) ? w : `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return quoted.replace(/%/g, '%%').replace(/\$/g, '$$$$');
};

function systemdTarget(host: ScheduleHost, dir: string): ScheduleTarget {
  const unitsOf = async (root: string) => (await host.listDir(dir)).filter((n) => n.startsWith(unitPrefix(root)) && /\.(service|timer)$/.test(n));
  return {
    kind: 'systemd',
    where: dir,
    async read(root) {
      const out: InstalledJob[] = [];
      for (const name of (await unitsOf(root)).filter((n) => n.endsWith('.timer'))) {
        const id = name.slice(unitPrefix(root).length, -'.timer'.length);
        const timer = (await host.readFile(join(dir, name))) ?? '';
        const service = (await host.readFile(join(dir, name.replace(/\.timer$/, '.service')))) ?? '';
        out.push({ id, schedule: /^OnCalendar=(.*)$/m.exec(timer)?.[1] ?? '?', line: /^ExecStart=(.*)$/m.exec(service)?.[1] ?? '?' });
      }
      return out;
    },
    async install(jobs, input) {
      const prefix = unitPrefix(input.root);
      // The root's units as they were: the undo, and what a failed install puts back.
      const before = new Map<string, string>();
      for (const name of await unitsOf(input.root)) before.set(name, (await host.readFile(join(dir, name))) ?? '');
      const restore = async () => {
        await dropUnits(host, dir, await unitsOf(input.root));
        for (const [name, text] of before) await host.writeFile(join(dir, name), text, 0o644);
        await host.systemctl(['daemon-reload']).catch(() => undefined);
        for (const name of [...before.keys()].filter((n) => n.endsWith('.timer'))) await host.systemctl(['enable', '--now', name]).catch(() => undefined);
      };
      try {
        const written: string[] = [];
        const stale = new Set(before.keys());
        for (const job of jobs) {
          const unit = `${prefix}${job.id}`;
          const head = `# ${input.root}: managed by \`autocodex-ops schedule\`; edits here are replaced.\n`;
          const service = `${head}[Unit]\nDescription=autocodex-ops ${job.args.join(' ')} for ${input.root}\n\n[Service]\nType=oneshot\nExecStart=${jobCommand(job, input).map(systemdWord).join(' ')}\n`;
          const timer = `${head}[Unit]\nDescription=Run ${unit}.service (${job.cron})\n\n[Timer]\nOnCalendar=${toOnCalendar(job.cron)}\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n`;
          await host.writeFile(join(dir, `${unit}.service`), service, 0o644);
          await host.writeFile(join(dir, `${unit}.timer`), timer, 0o644);
          written.push(`${unit}.timer`);
          stale.delete(`${unit}.service`);
          stale.delete(`${unit}.timer`);
        }
        await dropUnits(host, dir, [...stale]);
        await host.systemctl(['daemon-reload']);
        for (const timer of written) await host.systemctl(['enable', '--now', timer]);
      } catch (err) {
        await restore().catch(() => undefined);
        throw err;
      }
      return restore;
    },
    async remove(root) {
      const units = await unitsOf(root);
      if (!units.length) return false;
      await dropUnits(host, dir, units);
      await host.systemctl(['daemon-reload']);
      return true;
    },
  };
}

async function dropUnits(host: ScheduleHost, dir: string, names: string[]): Promise<void> {
  for (const timer of names.filter((n) => n.endsWith('.timer'))) await host.systemctl(['disable', '--now', timer]).catch(() => undefined);
  for (const name of names) await host.removeFile(join(dir, name));
}
